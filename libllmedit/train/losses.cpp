#include "libllmedit/train/losses.h"

#include <torch/torch.h>

namespace llmedit {

torch::Tensor causal_lm_loss(const torch::Tensor& logits, const torch::Tensor& labels) {
  const int64_t T = logits.size(1), V = logits.size(2);
  torch::Tensor shifted_logits = logits.narrow(1, 0, T - 1).reshape({-1, V}).to(torch::kFloat);  // [B*(T-1), V]
  torch::Tensor shifted_labels = labels.to(logits.device()).narrow(1, 1, T - 1).reshape({-1});  // [B*(T-1)]
  return torch::nll_loss(shifted_logits.log_softmax(-1), shifted_labels, {}, at::Reduction::Mean, kIgnoreIndex);
}

}  // namespace llmedit
