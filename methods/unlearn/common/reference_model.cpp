#include "methods/unlearn/common/reference_model.h"

#include <torch/torch.h>

#include "libllmedit/core/logging.h"

namespace llmedit::unlearn {

namespace {

// Switches the adapter off for one scope and back on after, exceptions included.
class AdapterOff {
 public:
  explicit AdapterOff(LoraAdapter& adapter) : adapter_(adapter), was_enabled_(adapter.enabled()) {
    adapter_.set_enabled(false);
  }
  ~AdapterOff() { adapter_.set_enabled(was_enabled_); }
  AdapterOff(const AdapterOff&) = delete;
  AdapterOff& operator=(const AdapterOff&) = delete;

 private:
  LoraAdapter& adapter_;
  bool was_enabled_;
};

std::shared_ptr<CausalLM> frozen_copy(const CausalLM& model) {
  NamedTensors weights;
  int64_t bytes = 0;
  for (const auto& [name, w] : model.named_weights()) {
    weights.emplace_back(name, w.detach().clone());
    bytes += w.numel() * static_cast<int64_t>(w.element_size());
  }
  spdlog::info("full fine-tuning: a frozen copy of the model is the reference ({:.1f} MiB more memory)",
               static_cast<double>(bytes) / (1024.0 * 1024.0));
  auto copy = std::make_shared<CausalLM>(model.spec(), model.config(), weights, "reference copy", model.dtype());
  copy->to(model.device());
  copy->eval();
  for (const auto& [name, w] : copy->named_weights()) w.set_requires_grad(false);
  return copy;
}

}  // namespace

ReferenceModel::ReferenceModel(CausalLM& model, LoraAdapter* adapter)
    : model_(&model), adapter_(adapter), copy_(adapter ? nullptr : frozen_copy(model)) {}

torch::Tensor ReferenceModel::logits(const torch::Tensor& input_ids, const torch::Tensor& attention_mask) {
  torch::NoGradGuard no_grad;
  ForwardOptions forward;
  forward.attention_mask = attention_mask;
  if (copy_) return copy_->forward(input_ids, forward).logits;  // [B, T, V]
  AdapterOff off(*adapter_);
  return model_->forward(input_ids, forward).logits;  // [B, T, V]
}

}  // namespace llmedit::unlearn
