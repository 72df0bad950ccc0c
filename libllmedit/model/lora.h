// LoRA adapters (Hu et al. 2021) on the linear maps of a CausalLM, following PEFT's conventions so
// that adapters saved here load in PEFT and back: A [r, in] kaiming-uniform, B [out, r] zeros,
// output = base(x) + (alpha / r) * B(A(dropout(x))).
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "libllmedit/io/safetensors.h"
#include "libllmedit/model/causal_lm.h"

namespace llmedit {

struct LoraOptions {
  int64_t r = 8;
  double alpha = 16;
  double dropout = 0.0;  // on the adapter's input, only while the model is in training mode
  // Module names as PEFT matches them: a name selects every linear whose Hugging Face name equals
  // it or ends with "." + it ("q_proj", "mlp.c_proj"). Empty: every linear except lm_head.
  std::vector<std::string> target_modules;
  uint64_t seed = 0;  // for A's initialisation
};

// The low-rank update of one linear map. A module, so that model.train()/eval() (dropout) and
// model.to(device or dtype) reach A and B once it is registered under the model.
class LoraLinear : public torch::nn::Module {
 public:
  // a: [r, in], b: [out, r]
  LoraLinear(torch::Tensor a, torch::Tensor b, double scaling, double dropout);

  // y + scaling * B(A(dropout(x))); x: [..., in], y: [..., out] is the base output.
  torch::Tensor add_delta(const torch::Tensor& x, const torch::Tensor& y) const;
  // scaling * B @ A as float32 [out, in], the change merge() adds to the base weight.
  torch::Tensor delta_weight() const;

  const torch::Tensor& a() const { return a_; }
  const torch::Tensor& b() const { return b_; }
  bool enabled() const { return enabled_; }
  void set_enabled(bool enabled) { enabled_ = enabled; }

 private:
  torch::Tensor a_, b_;
  double scaling_;
  double dropout_;
  bool enabled_ = true;
};

// One adapter over a set of linear maps of one model. It keeps pointers into the model, so the
// model must outlive it. Destroying the adapter leaves it attached; call merge() or detach().
class LoraAdapter {
 public:
  // Adds A and B to every linear chosen by options.target_modules. Throws a config error for
  // r <= 0, dropout outside [0, 1), or a target naming no linear (listing the valid names), and
  // a usage error when a chosen linear already carries an adapter.
  static LoraAdapter attach(CausalLM& model, const LoraOptions& options);
  // Attaches the adapter that save_peft (or PEFT's save_pretrained) wrote to `folder`. Throws a
  // data error naming adapter_config.json's field or adapter_model.safetensors' key on problems.
  static LoraAdapter load_peft(const std::string& folder, CausalLM& model);

  // Move-only: two handles to one attachment could merge it twice.
  LoraAdapter(LoraAdapter&&) = default;
  LoraAdapter& operator=(LoraAdapter&&) = default;
  LoraAdapter(const LoraAdapter&) = delete;
  LoraAdapter& operator=(const LoraAdapter&) = delete;

  // target_modules resolved to the short names actually adapted.
  const LoraOptions& options() const { return options_; }
  std::vector<std::string> module_names() const;  // Hugging Face names, model order
  // The trainable tensors: A then B of each module, in module order. Their requires_grad is true;
  // the base weights are left as they are.
  std::vector<torch::Tensor> parameters() const;
  // Detached views (sharing storage) keyed as PEFT saves them: "base_model.model.<module>.lora_A.weight" / "lora_B".
  NamedTensors peft_tensors() const;

  bool enabled() const { return enabled_; }
  // Disabled, every adapted linear computes exactly its base output.
  void set_enabled(bool enabled);

  // Adds each delta into its base weight (in the weight's own layout), enabled or not, and removes
  // the adapter; the forward stays what the enabled adapter computed. A no-op once detached.
  void merge();
  // Removes the adapter without touching the base weights.
  void detach();
  bool attached() const { return !entries_.empty(); }

  // Writes adapter_model.safetensors and adapter_config.json into `folder` (created if needed),
  // each file atomically.
  void save_peft(const std::string& folder, const std::string& base_model_name_or_path) const;

 private:
  struct Entry {
    std::string name;  // Hugging Face module name
    LinearWeights* linear;
    std::shared_ptr<LoraLinear> lora;
  };
  LoraAdapter(CausalLM& model, LoraOptions options) : model_(&model), options_(std::move(options)) {}

  CausalLM* model_;
  LoraOptions options_;
  std::vector<Entry> entries_;
  bool enabled_ = true;
};

}  // namespace llmedit
