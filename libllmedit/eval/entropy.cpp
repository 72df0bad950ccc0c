#include "libllmedit/eval/entropy.h"

#include <torch/torch.h>

#include <algorithm>
#include <numeric>

namespace llmedit {

torch::Tensor entropy_from_logits(const torch::Tensor& logits) {
  const torch::Tensor log_p = logits.to(torch::kFloat).log_softmax(-1);  // [N, V]
  // p·ln p is 0 where p is 0 (log_p = −inf): mask those terms instead of multiplying 0 by inf.
  const torch::Tensor terms = torch::where(log_p.isinf(), torch::zeros_like(log_p), log_p.exp() * log_p);
  return (-terms.sum(-1)).to(torch::kDouble);  // [N]
}

std::vector<double> next_token_entropy(CausalLM& model, const std::vector<std::vector<int64_t>>& prompts,
                                       int64_t pad_id, int64_t batch_size) {
  std::vector<size_t> order(prompts.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return prompts[a].size() < prompts[b].size(); });
  torch::NoGradGuard no_grad;
  std::vector<double> out(prompts.size());
  const auto batch = static_cast<size_t>(std::max<int64_t>(1, batch_size));
  for (size_t begin = 0; begin < order.size(); begin += batch) {
    const size_t end = std::min(order.size(), begin + batch);
    size_t T = 0;
    for (size_t i = begin; i < end; ++i) T = std::max(T, prompts[order[i]].size());
    const auto B = static_cast<int64_t>(end - begin);
    torch::Tensor ids = torch::full({B, static_cast<int64_t>(T)}, pad_id, torch::kLong);  // [B, T], left-padded
    torch::Tensor mask = torch::zeros({B, static_cast<int64_t>(T)}, torch::kLong);
    for (size_t i = begin; i < end; ++i) {
      const auto& p = prompts[order[i]];
      const auto n = static_cast<int64_t>(p.size()), row = static_cast<int64_t>(i - begin);
      ids[row].narrow(0, static_cast<int64_t>(T) - n, n).copy_(torch::tensor(p, torch::kLong));
      mask[row].narrow(0, static_cast<int64_t>(T) - n, n).fill_(1);
    }
    ForwardOptions forward;
    forward.attention_mask = mask.to(model.device());
    const torch::Tensor last = model.forward(ids.to(model.device()), forward).logits.select(1, -1);  // [B, V]
    const torch::Tensor h = entropy_from_logits(last).cpu();
    for (size_t i = begin; i < end; ++i) out[order[i]] = h[static_cast<int64_t>(i - begin)].item<double>();
  }
  return out;
}

}  // namespace llmedit
