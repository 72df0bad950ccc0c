// Batched generation with a KV cache: prompts left-padded to one length, per-row positions
// from the attention mask (as transformers' generate), greedy or seeded sampling, stop tokens.
#pragma once
#include <cstdint>
#include <vector>

#include "libllmedit/generate/sampling.h"
#include "libllmedit/model/causal_lm.h"

namespace llmedit {

struct GenerationOptions {
  int64_t max_new_tokens = 32;
  SamplingOptions sampling;
  // A row stops after emitting one of these (the stop token is kept in its output). Empty: the
  // model's eos_token_id, if any.
  std::vector<int64_t> stop_token_ids;
  bool use_model_eos = true;
  // Prompts longer than this go through the model this many tokens at a time
  // (generate/chunked_prefill.h); 0: one forward.
  int64_t prefill_chunk_size = 256;
};

// Returns the new tokens of each prompt. Prompts may differ in length; none may be empty.
std::vector<std::vector<int64_t>> generate(CausalLM& model, const std::vector<std::vector<int64_t>>& prompts,
                                           const GenerationOptions& options);

}  // namespace llmedit
