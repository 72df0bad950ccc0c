// CausalLM: one decoder-only transformer for every supported family, driven by an ArchSpec.
// Weights keep their Hugging Face names and layouts, so a checkpoint maps one-to-one.
#pragma once
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "libllmedit/io/safetensors.h"
#include "libllmedit/model/arch_spec.h"
#include "libllmedit/model/hooks.h"

namespace llmedit {

// Keys and values of every layer seen so far, [B, H_kv, T_seen, head_dim] each.
struct KVCache {
  std::vector<torch::Tensor> keys;
  std::vector<torch::Tensor> values;
  int64_t length() const { return keys.empty() || !keys[0].defined() ? 0 : keys[0].size(2); }
  void clear() { keys.clear(); values.clear(); }
};

struct ForwardOptions {
  // [B, T_cache + T]: 1 for a token, 0 for padding. Undefined means no padding.
  torch::Tensor attention_mask;
  // [B, T]. Undefined: derived from the mask as Hugging Face does (cumsum - 1), else
  // T_cache, T_cache + 1, ...
  torch::Tensor position_ids;
  KVCache* cache = nullptr;  // read and extended when given
  bool output_hidden_states = false;
};

struct ForwardOutput {
  torch::Tensor logits;  // [B, T, V]
  // Hugging Face convention: [0] embeddings, [i] output of block i-1, [L] final-norm output.
  std::vector<torch::Tensor> hidden_states;
};

class LoraLinear;  // libllmedit/model/lora.h
struct LinearWeights;

// Computes a linear map in place of the float product x·Wᵀ + b: a quantized kernel
// (libllmedit/quant/w8a8_linear.h) or an observer that records the inputs (calibration).
class LinearKernel {
 public:
  virtual ~LinearKernel() = default;
  // x: [..., in] -> [..., out] in x's dtype, bias included; `linear` is the map it stands in for.
  virtual torch::Tensor forward(const torch::Tensor& x, const LinearWeights& linear) const = 0;
};

// A linear map stored either as nn.Linear [out, in] or as GPT-2's Conv1D [in, out].
struct LinearWeights {
  torch::Tensor weight;
  torch::Tensor bias;  // undefined when absent
  bool in_out_layout = false;
  std::shared_ptr<LoraLinear> lora;  // set by LoraAdapter; null costs one branch
  std::shared_ptr<const LinearKernel> kernel;  // set by quant/; null: the float product
  // The float product x·Wᵀ + b, whatever the kernel (kernels call it for their float parts).
  torch::Tensor float_product(const torch::Tensor& x) const;
  torch::Tensor operator()(const torch::Tensor& x) const;
};

struct NormWeights {
  torch::Tensor weight;
  torch::Tensor bias;  // LayerNorm only
};

struct LayerWeights {
  NormWeights attn_norm, mlp_norm;  // mlp_norm unused by parallel blocks
  LinearWeights q, k, v, qkv, o;    // qkv: GPT-2's fused c_attn, else q/k/v
  LinearWeights gate, up, down;     // up = fc_in / c_fc, down = fc_out / c_proj for ungated MLPs
};

class CausalLM : public torch::nn::Module {
 public:
  // `weights` are named as in the Hugging Face checkpoint; missing or misshapen weights throw a
  // data error naming `source`. `config` is the config.json object, kept for saving.
  CausalLM(ArchSpec spec, nlohmann::json config, const NamedTensors& weights, const std::string& source,
           torch::Dtype dtype = torch::kFloat32);

  ForwardOutput forward(const torch::Tensor& input_ids, const ForwardOptions& options = {});

  const ArchSpec& spec() const { return spec_; }
  const nlohmann::json& config() const { return config_; }
  torch::Dtype dtype() const { return dtype_; }
  torch::Device device() const { return embed_.device(); }
  HookSet& hooks() { return hooks_; }

  // Weights by Hugging Face name, in checkpoint order; a tied lm_head is not listed.
  const NamedTensors& named_weights() const { return named_weights_; }
  torch::Tensor weight(const std::string& hf_name) const;  // throws naming the unknown key
  const LayerWeights& layer(int64_t i) const { return layers_.at(static_cast<size_t>(i)); }
  // Every linear map of the blocks by Hugging Face module name ("model.layers.0.self_attn.q_proj"),
  // in checkpoint order; lm_head is not listed. For adapters that wrap linears (LoRA).
  std::vector<std::pair<std::string, LinearWeights*>> linear_modules();

 private:
  torch::Tensor attention(int64_t layer, const torch::Tensor& h, const torch::Tensor& cos, const torch::Tensor& sin,
                          const torch::Tensor& attn_bias, bool causal, KVCache* cache);
  torch::Tensor mlp(int64_t layer, const torch::Tensor& h);
  torch::Tensor norm(const NormWeights& w, const torch::Tensor& x) const;
  torch::Tensor apply_hook(const std::string& site, torch::Tensor x) const;
  torch::Tensor apply_layer_hook(int64_t layer, const char* name, torch::Tensor x) const;

  ArchSpec spec_;
  nlohmann::json config_;
  torch::Dtype dtype_;
  torch::Tensor embed_, position_embed_, lm_head_, lm_head_bias_, inv_freq_;
  NormWeights final_norm_;
  std::vector<LayerWeights> layers_;
  NamedTensors named_weights_;
  std::unordered_map<std::string, torch::Tensor> by_name_;
  HookSet hooks_;
};

}  // namespace llmedit
