#include "libllmedit/model/loader.h"

#include <torch/torch.h>

#include <filesystem>

#include "libllmedit/core/error.h"
#include "libllmedit/io/checkpoint.h"
#include "libllmedit/io/llama2c.h"
#include "libllmedit/quant/w8a8_checkpoint.h"

namespace llmedit {

std::shared_ptr<CausalLM> load_causal_lm(const std::string& path, const LoadOptions& options) {
  const bool is_llama2c = std::filesystem::is_regular_file(path) && path.size() > 4 &&
                          path.compare(path.size() - 4, 4, ".bin") == 0;
  CheckpointFiles files = is_llama2c ? import_llama2c(path) : read_hf_folder(path);
  const std::string config_source = is_llama2c ? path : path + "/config.json";
  ArchSpec spec = ArchSpec::from_config(files.config, config_source);
  auto model = std::make_shared<CausalLM>(std::move(spec), std::move(files.config), files.weights, files.source,
                                          options.dtype);
  model->eval();  // no dropout anywhere; eval() only marks the module
  if (options.device != torch::kCPU) model->to(options.device);
  // A folder `llmedit quantize` wrote runs W8A8 (quant/w8a8_checkpoint.h); kernels go on the device.
  if (model->config().contains("quantization_config")) apply_w8a8(*model, read_w8a8_plan(path, model->config(), *model));
  return model;
}

void save_hf_checkpoint(const CausalLM& model, const std::string& folder, std::optional<torch::Dtype> dtype) {
  NamedTensors weights;
  for (const auto& [name, tensor] : model.named_weights())
    weights.emplace_back(name, tensor.detach().to(torch::kCPU, dtype.value_or(tensor.scalar_type())));
  // The scales are not saved here: the folder holds a float model (weights as they are now).
  nlohmann::json config = model.config();
  config.erase("quantization_config");
  write_hf_folder(folder, config, weights);
}

torch::Dtype parse_dtype(const std::string& name) {
  if (name == "float32" || name == "fp32") return torch::kFloat32;
  if (name == "bfloat16" || name == "bf16") return torch::kBFloat16;
  if (name == "float16" || name == "fp16") return torch::kFloat16;
  throw usage_error("unknown dtype '" + name + "' (use float32, bfloat16 or float16)");
}

}  // namespace llmedit
