#include "libllmedit/train/trainable_tensors.h"

#include "libllmedit/model/causal_lm.h"
#include "libllmedit/model/lora.h"

namespace llmedit {

NamedTensors trainable_tensors(CausalLM& model, LoraAdapter* adapter) {
  NamedTensors trainable;
  if (adapter) {
    // peft_tensors() are detached views; the trainer needs the parameters themselves.
    const NamedTensors names = adapter->peft_tensors();
    const std::vector<torch::Tensor> params = adapter->parameters();
    for (size_t i = 0; i < params.size(); ++i) trainable.emplace_back(names[i].first, params[i]);
    return trainable;
  }
  for (const auto& [name, weight] : model.named_weights()) {
    weight.set_requires_grad(true);
    trainable.emplace_back(name, weight);
  }
  return trainable;
}

void release_trainable_tensors(const NamedTensors& trainable, const LoraAdapter* adapter) {
  if (adapter) return;
  for (const auto& [name, weight] : trainable) weight.set_requires_grad(false);
}

}  // namespace llmedit
