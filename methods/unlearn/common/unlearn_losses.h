// The loss terms of the forget/retain unlearning objectives (DESIGN.md §4). Labels follow
// transformers: logits at position t score the label at t + 1, and -100 marks positions that do
// not count (the prompt and padding).
#pragma once
#include <torch/types.h>

namespace llmedit::unlearn {

// Per item: the summed negative log-likelihood of its answer tokens. logits [B, T, V], labels
// [B, T] -> [B] (float32). As the reference's get_batch_loss.
torch::Tensor answer_nll_sum(const torch::Tensor& logits, const torch::Tensor& labels);

// Per item: how many answer tokens it scores, |y|. labels [B, T] -> [B] (float32).
torch::Tensor answer_token_count(const torch::Tensor& labels);

// NPO (Zhang et al. 2024, "Negative Preference Optimization", eq. 3):
//   L = (2/β) · mean_b log(1 + (πθ/πref)^β) = −(2/β) · mean_b log σ(β(ℓθ − ℓref)),
// with ℓ the summed answer NLL, so log πθ/πref = ℓref − ℓθ. Minimizing it raises ℓθ above ℓref
// (DESIGN.md writes the same loss with ℓ the log-likelihood). nll, ref_nll: [B] -> scalar.
torch::Tensor npo_loss(const torch::Tensor& nll, const torch::Tensor& ref_nll, double beta);

// SimNPO (Fan et al. 2024, "Simplicity Prevails", eq. 4), reference-free and length-normalized:
//   L = −(2/β) · mean_b log σ(β(ℓθ/|y| − δ)),
// the NPO form with the reference replaced by the margin δ. nll, lengths: [B] -> scalar.
torch::Tensor simnpo_loss(const torch::Tensor& nll, const torch::Tensor& lengths, double beta, double delta);

enum class KlMask {
  Answer,  // average over the positions that predict answer tokens (default)
  All,     // average over every position, padding included: the reference's batchmean over B*T
};

// KL(ref‖θ) = Σ_v p_ref(v) (log p_ref(v) − log pθ(v)) per position, averaged as `mask` says.
// logits, ref_logits: [B, T, V]; labels [B, T] -> scalar (float32).
torch::Tensor kl_ref_theta(const torch::Tensor& logits, const torch::Tensor& ref_logits, const torch::Tensor& labels,
                           KlMask mask);

}  // namespace llmedit::unlearn
