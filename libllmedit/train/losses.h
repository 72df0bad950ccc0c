// Language-model losses, with labels as in transformers: -100 marks positions that do not count.
#pragma once
#include <torch/types.h>

namespace llmedit {

constexpr int64_t kIgnoreIndex = -100;

// Mean next-token cross-entropy: logits [B, T, V] at t predict labels [B, T] at t + 1 (the shift
// transformers' ForCausalLMLoss applies), averaged over labels that are not -100.
torch::Tensor causal_lm_loss(const torch::Tensor& logits, const torch::Tensor& labels);

}  // namespace llmedit
