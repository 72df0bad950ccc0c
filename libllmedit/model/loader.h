// Loading a CausalLM from disk and saving it back in Hugging Face layout.
#pragma once
#include <torch/types.h>

#include <memory>
#include <optional>
#include <string>

#include "libllmedit/model/causal_lm.h"

namespace llmedit {

struct LoadOptions {
  torch::Dtype dtype = torch::kFloat32;  // compute dtype; weights are converted on load
  torch::Device device = torch::kCPU;
};

// `path` is a Hugging Face folder (config.json + safetensors, single or sharded) or a llama2.c
// `.bin` file. Throws a data error (exit code 2 in the CLI) naming the path on any problem.
std::shared_ptr<CausalLM> load_causal_lm(const std::string& path, const LoadOptions& options = {});

// Writes config.json, model.safetensors and generation_config.json that transformers loads,
// with the weights in `dtype` (default: the model's compute dtype).
void save_hf_checkpoint(const CausalLM& model, const std::string& folder, std::optional<torch::Dtype> dtype = {});

// "float32" | "bfloat16" | "float16" (also "fp32", "bf16", "fp16"); throws a usage error otherwise.
torch::Dtype parse_dtype(const std::string& name);

}  // namespace llmedit
