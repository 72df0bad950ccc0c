// Chunked prefill: a long prompt goes through the model a fixed number of tokens at a time,
// each chunk attending to the KV cache of the ones before it (mllm-NPU's fixed-size prefill
// chunks, DESIGN.md §7). The logits equal a one-shot prefill's up to float rounding, while the
// largest intermediates shrink from [B, T, ·] to [B, chunk, ·] (the attention scores from
// [B, H, T, T] to [B, H, chunk, T], the logits from [B, T, V] to [B, chunk, V]).
#pragma once
#include <torch/types.h>

#include <cstdint>

#include "libllmedit/model/causal_lm.h"

namespace llmedit {

struct ChunkedPrefillOptions {
  int64_t chunk_size = 256;  // tokens per forward; 0 or >= T: one forward
  bool all_logits = false;   // keep every position's logits (tests), not only the last one
};

// Runs `ids` [B, T] (left-padded rows described by `mask` [B, T], or undefined when none is
// padded) through the model, appending to `cache`. Returns the last position's logits [B, V],
// or all of them [B, T, V] when `all_logits`.
torch::Tensor chunked_prefill(CausalLM& model, const torch::Tensor& ids, const torch::Tensor& mask, KVCache& cache,
                              const ChunkedPrefillOptions& options = {});

}  // namespace llmedit
