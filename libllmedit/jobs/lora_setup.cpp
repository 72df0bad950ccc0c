#include "libllmedit/jobs/lora_setup.h"

#include <filesystem>

#include "libllmedit/model/loader.h"

namespace llmedit {

namespace fs = std::filesystem;

void declare_lora_options(ConfigSchema& s, bool enabled, int64_t r, double alpha, const std::string& enabled_help) {
  s.option("lora.enabled", enabled, enabled_help);
  s.option("lora.r", r, "LoRA rank");
  s.option("lora.lora_alpha", alpha, "LoRA alpha (scaling = alpha / r)");
  s.option("lora.lora_dropout", 0.05, "dropout on the adapter input");
  s.option("lora.target_modules", nlohmann::json::array(), "module names to adapt (empty: every linear but lm_head)");
  s.option("lora.merge", true, "merge the adapter and save a full model (false: save the adapter in PEFT format)");
  s.option("output.save_model", true, "save the trained model (or adapter) in the run folder");
  s.option("output.save_dtype", "", "dtype of the saved weights (empty: the compute dtype)", {"", "float32", "bfloat16", "float16"});
}

std::optional<LoraAdapter> attach_lora_from_config(const nlohmann::json& c, CausalLM& model) {
  if (!config_get<bool>(c, "lora.enabled")) return std::nullopt;
  LoraOptions lora;
  lora.r = config_get<int64_t>(c, "lora.r");
  lora.alpha = config_get<double>(c, "lora.lora_alpha");
  lora.dropout = config_get<double>(c, "lora.lora_dropout");
  lora.target_modules = config_get<std::vector<std::string>>(c, "lora.target_modules");
  lora.seed = config_get<uint64_t>(c, "seed");
  for (const auto& [name, p] : model.named_weights()) p.set_requires_grad(false);
  return LoraAdapter::attach(model, lora);
}

namespace {

void copy_tokenizer_files(const std::string& tokenizer_path, const std::string& folder) {
  std::vector<fs::path> files;
  if (fs::is_directory(tokenizer_path)) {
    for (const char* name : {"tokenizer.json", "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json"})
      if (fs::exists(fs::path(tokenizer_path) / name)) files.push_back(fs::path(tokenizer_path) / name);
  } else {
    files.push_back(tokenizer_path);
  }
  for (const fs::path& file : files)
    fs::copy_file(file, fs::path(folder) / file.filename(), fs::copy_options::overwrite_existing);
}

}  // namespace

void save_trained_model(const nlohmann::json& c, CausalLM& model, std::optional<LoraAdapter>& adapter,
                        const std::string& tokenizer_path, const RunFolder& run) {
  if (!config_get<bool>(c, "output.save_model")) return;
  if (adapter && !config_get<bool>(c, "lora.merge")) {
    const nlohmann::json& base = config_value(c, "model.path");
    adapter->save_peft(run.path("adapter"), base.is_null() ? "" : base.get<std::string>());
    return;
  }
  if (adapter) adapter->merge();
  const std::string dtype = config_get<std::string>(c, "output.save_dtype");
  save_hf_checkpoint(model, run.path("model"), dtype.empty() ? std::nullopt : std::optional<torch::Dtype>(parse_dtype(dtype)));
  copy_tokenizer_files(tokenizer_path, run.path("model"));
}

}  // namespace llmedit
