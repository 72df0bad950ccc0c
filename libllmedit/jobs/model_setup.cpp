#include "libllmedit/jobs/model_setup.h"

#include <torch/cuda.h>

#include "libllmedit/core/config.h"
#include "libllmedit/core/error.h"
#include "libllmedit/model/loader.h"

namespace llmedit {

torch::Device resolve_device(const std::string& name) {
  if (name == "cpu") return torch::kCPU;
  if (name == "auto") return torch::cuda::is_available() ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
  if (name == "cuda") {
    if (!torch::cuda::is_available()) throw config_error("device is \"cuda\" but this LibTorch build sees no CUDA GPU");
    return torch::kCUDA;
  }
  throw config_error("device must be auto, cpu or cuda; got \"" + name + "\"");
}

TokenizerSetup load_tokenizer_from_config(const nlohmann::json& config, const std::string& source) {
  TokenizerSetup out;
  out.path = config_get<std::string>(config, "model.tokenizer");
  if (out.path.empty() && !config_value(config, "model.path").is_null())
    out.path = config_get<std::string>(config, "model.path");
  if (out.path.empty()) throw config_error(source + ": set model.path or model.tokenizer");
  out.tokenizer = load_tokenizer(out.path);
  out.chat_template = std::make_shared<ChatTemplate>(
      ChatTemplate::for_tokenizer(out.path, config_get<std::string>(config, "model.chat_template")));
  return out;
}

std::shared_ptr<CausalLM> load_model_from_config(const nlohmann::json& config, const std::string& source) {
  if (config_value(config, "model.path").is_null()) throw config_error(source + ": missing required key 'model.path'");
  LoadOptions options;
  options.dtype = parse_dtype(config_get<std::string>(config, "model.dtype"));
  options.device = resolve_device(config_get<std::string>(config, "device"));
  return load_causal_lm(config_get<std::string>(config, "model.path"), options);
}

}  // namespace llmedit
