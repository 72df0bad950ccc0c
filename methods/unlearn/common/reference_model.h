// The reference model πref of NPO and KL-regularized objectives: the model as it was before
// unlearning. With a LoRA adapter it is the same model with the adapter switched off for the
// forward pass (no second copy); under full fine-tuning it is a frozen copy of the weights.
#pragma once
#include <torch/types.h>

#include <memory>

#include "libllmedit/model/causal_lm.h"
#include "libllmedit/model/lora.h"

namespace llmedit::unlearn {

class ReferenceModel {
 public:
  // `adapter` null: copies every weight of `model` now (its starting point) and freezes it.
  ReferenceModel(CausalLM& model, LoraAdapter* adapter);

  // Logits of the reference model, without gradients. input_ids, attention_mask: [B, T] -> [B, T, V]
  torch::Tensor logits(const torch::Tensor& input_ids, const torch::Tensor& attention_mask);

  bool is_copy() const { return copy_ != nullptr; }

 private:
  CausalLM* model_;
  LoraAdapter* adapter_;
  std::shared_ptr<CausalLM> copy_;  // full fine-tuning only
};

}  // namespace llmedit::unlearn
