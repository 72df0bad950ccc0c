#include "methods/unlearn/common/unlearn_losses.h"

#include <torch/torch.h>

#include "libllmedit/train/losses.h"

namespace llmedit::unlearn {

namespace {

// Labels shifted left by one, so that position t holds the token that logits[:, t] predict.
torch::Tensor next_labels(const torch::Tensor& labels) {
  return labels.narrow(1, 1, labels.size(1) - 1);  // [B, T-1]
}

}  // namespace

torch::Tensor answer_nll_sum(const torch::Tensor& logits, const torch::Tensor& labels) {
  const int64_t B = logits.size(0), T = logits.size(1), V = logits.size(2);
  const torch::Tensor log_probs = logits.narrow(1, 0, T - 1).to(torch::kFloat).log_softmax(-1);  // [B, T-1, V]
  const torch::Tensor targets = next_labels(labels.to(logits.device()));                          // [B, T-1]
  const torch::Tensor nll = torch::nll_loss(log_probs.reshape({-1, V}), targets.reshape({-1}), {},
                                            at::Reduction::None, kIgnoreIndex);  // [B*(T-1)], 0 where ignored
  return nll.view({B, T - 1}).sum(1);                                            // [B]
}

torch::Tensor answer_token_count(const torch::Tensor& labels) {
  return next_labels(labels).ne(kIgnoreIndex).sum(1).to(torch::kFloat);  // [B]
}

torch::Tensor npo_loss(const torch::Tensor& nll, const torch::Tensor& ref_nll, double beta) {
  const torch::Tensor log_ratio_gap = nll - ref_nll.to(nll.device());  // ℓθ − ℓref = log πref/πθ, [B]
  return torch::log_sigmoid(beta * log_ratio_gap).mean() * (-2.0 / beta);
}

torch::Tensor simnpo_loss(const torch::Tensor& nll, const torch::Tensor& lengths, double beta, double delta) {
  const torch::Tensor per_token = nll / lengths.to(nll.device()).clamp_min(1.0);  // ℓθ/|y|, [B]
  return torch::log_sigmoid(beta * (per_token - delta)).mean() * (-2.0 / beta);
}

torch::Tensor kl_ref_theta(const torch::Tensor& logits, const torch::Tensor& ref_logits, const torch::Tensor& labels,
                           KlMask mask) {
  const torch::Tensor log_p = logits.to(torch::kFloat).log_softmax(-1);                            // [B, T, V]
  const torch::Tensor log_ref = ref_logits.to(logits.device()).to(torch::kFloat).log_softmax(-1);  // [B, T, V]
  const torch::Tensor kl = (log_ref.exp() * (log_ref - log_p)).sum(-1);                            // [B, T]
  if (mask == KlMask::All) return kl.mean();
  // Position t counts when the token it predicts, labels[:, t + 1], is an answer token.
  torch::Tensor weights = torch::zeros_like(kl);                                      // [B, T]
  weights.narrow(1, 0, kl.size(1) - 1).copy_(next_labels(labels.to(kl.device())).ne(kIgnoreIndex));
  return (kl * weights).sum() / weights.sum().clamp_min(1.0);
}

}  // namespace llmedit::unlearn
