// Choosing the next token from logits: greedy, or temperature / top-k / top-p sampling with a
// seeded generator of our own, so a seed gives the same tokens on every build and device.
#pragma once
#include <torch/types.h>

#include <cstdint>
#include <random>

namespace llmedit {

struct SamplingOptions {
  bool greedy = true;
  double temperature = 1.0;
  int64_t top_k = 0;   // 0 = off
  double top_p = 1.0;  // 1 = off
  uint64_t seed = 0;
};

// Applies temperature, then top-k, then top-p (the order of transformers' logits processors)
// and returns log-probabilities [B, V] with removed tokens at -inf.
torch::Tensor sampling_log_probs(const torch::Tensor& logits, const SamplingOptions& options);

// logits [B, V] -> one token id per row.
std::vector<int64_t> choose_next_tokens(const torch::Tensor& logits, const SamplingOptions& options, std::mt19937_64& rng);

}  // namespace llmedit
