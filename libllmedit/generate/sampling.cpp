#include "libllmedit/generate/sampling.h"

#include <torch/torch.h>

#include <limits>

namespace llmedit {

torch::Tensor sampling_log_probs(const torch::Tensor& logits, const SamplingOptions& options) {
  const float neg_inf = -std::numeric_limits<float>::infinity();
  torch::Tensor scores = logits.to(torch::kFloat);  // [B, V]
  if (options.temperature > 0 && options.temperature != 1.0) scores = scores / options.temperature;
  if (options.top_k > 0 && options.top_k < scores.size(-1)) {
    torch::Tensor kth = std::get<0>(scores.topk(options.top_k, -1)).narrow(-1, options.top_k - 1, 1);
    scores = scores.masked_fill(scores < kth, neg_inf);
  }
  if (options.top_p < 1.0) {
    // Drop the smallest tokens whose cumulative probability stays within 1 - top_p; keep >= 1.
    auto [sorted, order] = scores.sort(-1, /*descending=*/false);
    torch::Tensor cumulative = sorted.softmax(-1).cumsum(-1);
    torch::Tensor remove_sorted = cumulative <= (1.0 - options.top_p);
    remove_sorted.narrow(-1, sorted.size(-1) - 1, 1).fill_(false);
    torch::Tensor remove = remove_sorted.scatter(-1, order, remove_sorted);
    scores = scores.masked_fill(remove, neg_inf);
  }
  return scores.log_softmax(-1);
}

std::vector<int64_t> choose_next_tokens(const torch::Tensor& logits, const SamplingOptions& options,
                                        std::mt19937_64& rng) {
  std::vector<int64_t> next(static_cast<size_t>(logits.size(0)));
  if (options.greedy) {
    torch::Tensor ids = logits.argmax(-1).to(torch::kCPU);
    for (size_t b = 0; b < next.size(); ++b) next[b] = ids[static_cast<int64_t>(b)].item<int64_t>();
    return next;
  }
  torch::Tensor probs = sampling_log_probs(logits, options).exp().to(torch::kCPU, torch::kDouble).contiguous();
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  const int64_t V = probs.size(1);
  for (size_t b = 0; b < next.size(); ++b) {
    const double* p = probs[static_cast<int64_t>(b)].data_ptr<double>();
    double total = 0;
    for (int64_t v = 0; v < V; ++v) total += p[v];
    // Inverse-CDF draw; falling off the end by rounding picks the last token with mass.
    const double u = uniform(rng) * total;
    double running = 0;
    int64_t chosen = -1;
    for (int64_t v = 0; v < V; ++v) {
      if (p[v] <= 0) continue;
      chosen = v;
      running += p[v];
      if (u < running) break;
    }
    next[b] = chosen;
  }
  return next;
}

}  // namespace llmedit
