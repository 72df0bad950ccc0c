// Next-token entropy on prompts: H = −Σ_v p(v) ln p(v) of the model's distribution for the first
// answer token after each prompt (nats). A vocabulary-collapse check for unlearned models: a
// model that answers every forget prompt with the same few tokens has an entropy near 0, one
// that babbles has an entropy near ln |V|.
#pragma once
#include <torch/types.h>

#include <cstdint>
#include <vector>

#include "libllmedit/model/causal_lm.h"

namespace llmedit {

// logits [N, V] -> entropies [N] (float64), computed in float32 from log-softmax.
torch::Tensor entropy_from_logits(const torch::Tensor& logits);

// One entropy per prompt (token ids, each non-empty), batched with left padding.
std::vector<double> next_token_entropy(CausalLM& model, const std::vector<std::vector<int64_t>>& prompts,
                                       int64_t pad_id, int64_t batch_size);

}  // namespace llmedit
