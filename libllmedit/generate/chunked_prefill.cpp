#include "libllmedit/generate/chunked_prefill.h"

#include <torch/torch.h>

#include <vector>

#include "libllmedit/core/error.h"

namespace llmedit {

torch::Tensor chunked_prefill(CausalLM& model, const torch::Tensor& ids, const torch::Tensor& mask, KVCache& cache,
                              const ChunkedPrefillOptions& options) {
  if (options.chunk_size < 0)
    throw usage_error("prefill chunk size must be non-negative, got " + std::to_string(options.chunk_size));
  const int64_t T = ids.size(1);
  if (cache.length() > 0 && mask.defined())
    throw usage_error("chunked prefill: a padded prompt must start on an empty cache");
  const int64_t chunk = options.chunk_size == 0 ? T : std::min(options.chunk_size, T);
  ForwardOptions forward;
  forward.cache = &cache;
  std::vector<torch::Tensor> kept;
  torch::Tensor last;
  for (int64_t start = 0; start < T; start += chunk) {
    const int64_t n = std::min(chunk, T - start);
    // The mask covers the cache and this chunk: positions and padding come from it.
    if (mask.defined()) forward.attention_mask = mask.narrow(1, 0, start + n).to(model.device());
    const torch::Tensor logits = model.forward(ids.narrow(1, start, n), forward).logits;  // [B, n, V]
    if (options.all_logits) kept.push_back(logits);
    last = logits.select(1, n - 1);  // [B, V]
  }
  return options.all_logits ? torch::cat(kept, 1) : last;
}

}  // namespace llmedit
