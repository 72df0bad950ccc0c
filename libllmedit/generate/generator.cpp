#include "libllmedit/generate/generator.h"

#include <torch/torch.h>

#include <algorithm>
#include <random>

#include "libllmedit/core/error.h"
#include "libllmedit/generate/chunked_prefill.h"

namespace llmedit {

namespace {

struct PaddedBatch {
  torch::Tensor ids;   // [B, T], left-padded
  torch::Tensor mask;  // [B, T], undefined when no row is padded
};

PaddedBatch left_pad(const std::vector<std::vector<int64_t>>& prompts, int64_t pad_id, int64_t vocab_size) {
  size_t longest = 0;
  for (size_t b = 0; b < prompts.size(); ++b) {
    if (prompts[b].empty()) throw usage_error("generate: prompt " + std::to_string(b) + " is empty");
    for (int64_t id : prompts[b])
      if (id < 0 || id >= vocab_size)
        throw usage_error("generate: prompt " + std::to_string(b) + " has token id " + std::to_string(id) +
                          " outside the vocabulary [0, " + std::to_string(vocab_size) + ")");
    longest = std::max(longest, prompts[b].size());
  }
  const auto B = static_cast<int64_t>(prompts.size()), T = static_cast<int64_t>(longest);
  torch::Tensor ids = torch::full({B, T}, pad_id, torch::kLong);
  torch::Tensor mask = torch::zeros({B, T}, torch::kLong);
  bool padded = false;
  for (int64_t b = 0; b < B; ++b) {
    const auto& p = prompts[static_cast<size_t>(b)];
    const auto n = static_cast<int64_t>(p.size());
    ids[b].narrow(0, T - n, n).copy_(torch::tensor(p, torch::kLong));
    mask[b].narrow(0, T - n, n).fill_(1);
    padded = padded || n < T;
  }
  return {ids, padded ? mask : torch::Tensor()};
}

}  // namespace

std::vector<std::vector<int64_t>> generate(CausalLM& model, const std::vector<std::vector<int64_t>>& prompts,
                                           const GenerationOptions& options) {
  torch::NoGradGuard no_grad;
  if (options.max_new_tokens <= 0) return std::vector<std::vector<int64_t>>(prompts.size());
  const ArchSpec& spec = model.spec();
  std::vector<int64_t> stops = options.stop_token_ids;
  if (options.use_model_eos && spec.eos_token_id >= 0) stops.push_back(spec.eos_token_id);
  const int64_t pad_id = spec.pad_token_id >= 0 ? spec.pad_token_id : std::max<int64_t>(spec.eos_token_id, 0);

  PaddedBatch batch = left_pad(prompts, pad_id, spec.vocab_size);
  const size_t B = prompts.size();
  std::vector<std::vector<int64_t>> out(B);
  std::vector<bool> finished(B, false);
  std::mt19937_64 rng(options.sampling.seed);
  torch::Tensor input;  // [B, 1]: the token chosen last
  KVCache cache;
  ForwardOptions forward_options;
  forward_options.cache = &cache;
  forward_options.attention_mask = batch.mask.defined() ? batch.mask.to(model.device()) : torch::Tensor();
  ChunkedPrefillOptions prefill;
  prefill.chunk_size = options.prefill_chunk_size;
  torch::Tensor logits = chunked_prefill(model, batch.ids.to(model.device()), forward_options.attention_mask, cache, prefill);
  for (int64_t step = 0; step < options.max_new_tokens; ++step) {
    if (step > 0) logits = model.forward(input, forward_options).logits.select(1, -1);  // [B, V]
    std::vector<int64_t> next = choose_next_tokens(logits, options.sampling, rng);
    bool all_done = true;
    for (size_t b = 0; b < B; ++b) {
      if (finished[b]) {
        next[b] = pad_id;
        continue;
      }
      out[b].push_back(next[b]);
      finished[b] = std::find(stops.begin(), stops.end(), next[b]) != stops.end();
      all_done = all_done && finished[b];
    }
    if (all_done) break;
    input = torch::tensor(next, torch::kLong).unsqueeze(1);  // [B, 1]
    if (forward_options.attention_mask.defined())
      forward_options.attention_mask = torch::cat(
          {forward_options.attention_mask, torch::ones({static_cast<int64_t>(B), 1}, forward_options.attention_mask.options())}, 1);
  }
  return out;
}

}  // namespace llmedit
