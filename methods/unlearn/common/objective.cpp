#include "methods/unlearn/common/objective.h"

#include <torch/torch.h>

#include "libllmedit/core/error.h"
#include "libllmedit/train/losses.h"
#include "methods/unlearn/sure/saliency.h"

namespace llmedit::unlearn {

ForgetRetainObjective::ForgetRetainObjective(const ForgetRetainOptions& options, CausalLM& model, LoraAdapter* adapter,
                                             const QACollator& collator, std::vector<TokenizedQA> forget,
                                             std::vector<TokenizedQA> retain, NamedTensors trainable)
    : options_(options),
      model_(model),
      collator_(collator),
      forget_(std::move(forget)),
      retain_(std::move(retain)),
      trainable_(std::move(trainable)) {
  if (options_.retain != RetainTerm::None && retain_.empty())
    throw Error(ErrorKind::Internal, "a retain term without retain items reached the objective");
  const bool needs_reference = options_.forget == ForgetTerm::Npo || has_retain_kl(options_.retain);
  if (needs_reference) reference_ = std::make_unique<ReferenceModel>(model, adapter);
}

int64_t ForgetRetainObjective::retain_partner(int64_t forget_item) const {
  return forget_item % static_cast<int64_t>(retain_.size());
}

QABatch ForgetRetainObjective::batch_of(const std::vector<TokenizedQA>& pool, const std::vector<int64_t>& indices) const {
  std::vector<TokenizedQA> items;
  for (int64_t i : indices) items.push_back(pool.at(static_cast<size_t>(i)));
  return collator_.collate(items);
}

torch::Tensor ForgetRetainObjective::logits(const QABatch& batch) {
  ForwardOptions forward;
  forward.attention_mask = batch.attention_mask.to(model_.device());
  return model_.forward(batch.input_ids.to(model_.device()), forward).logits;  // [B, T, V]
}

torch::Tensor ForgetRetainObjective::forget_term(const QABatch& batch) {
  const torch::Tensor out = logits(batch);  // [B, T, V]
  const torch::Tensor labels = batch.labels.to(out.device());
  switch (options_.forget) {
    case ForgetTerm::GradientAscent:
      return -causal_lm_loss(out, labels);  // −CE(forget): ascend the forget items' likelihood loss
    case ForgetTerm::Npo: {
      const torch::Tensor ref = reference_->logits(batch.input_ids.to(out.device()), batch.attention_mask.to(out.device()));
      return npo_loss(answer_nll_sum(out, labels), answer_nll_sum(ref, labels), options_.beta);
    }
    case ForgetTerm::SimNpo:
      return simnpo_loss(answer_nll_sum(out, labels), answer_token_count(labels), options_.beta, options_.delta);
    case ForgetTerm::Relearn:
      return causal_lm_loss(out, labels);  // +CE on the augmented (vague-answer) forget items
  }
  throw Error(ErrorKind::Internal, "unknown forget term");
}

// One forward pass of θ on the retain batch serves both retain terms.
void ForgetRetainObjective::retain_terms(const QABatch& batch, ObjectiveTerms& t) {
  const torch::Tensor out = logits(batch);  // [B, T, V]
  const torch::Tensor labels = batch.labels.to(out.device());
  if (has_retain_ce(options_.retain)) t.retain_ce = causal_lm_loss(out, labels);  // CE(retain)
  if (!has_retain_kl(options_.retain)) return;
  const torch::Tensor ref = reference_->logits(batch.input_ids.to(out.device()), batch.attention_mask.to(out.device()));
  t.retain_kl = kl_ref_theta(out, ref, labels, options_.kl_mask);  // KL(ref‖θ) on retain
}

torch::Tensor ForgetRetainObjective::weighted_retain(const ObjectiveTerms& t) const {
  torch::Tensor sum;
  if (t.retain_ce.defined()) sum = options_.retain_weight * t.retain_ce;
  if (t.retain_kl.defined()) sum = sum.defined() ? sum + options_.kl_weight * t.retain_kl : options_.kl_weight * t.retain_kl;
  return sum;
}

ObjectiveTerms ForgetRetainObjective::terms(const std::vector<int64_t>& items) {
  ObjectiveTerms t;
  const QABatch forget = batch_of(forget_, items);
  t.forget = forget_term(forget);
  t.tokens = forget.attention_mask.sum().item<int64_t>();
  if (options_.retain == RetainTerm::None) return t;
  std::vector<int64_t> partners;
  for (int64_t i : items) partners.push_back(retain_partner(i));
  const QABatch retain = batch_of(retain_, partners);
  retain_terms(retain, t);
  t.tokens += retain.attention_mask.sum().item<int64_t>();
  return t;
}

void ForgetRetainObjective::record(const ObjectiveTerms& terms) {
  const torch::Tensor values[3] = {terms.forget, terms.retain_ce, terms.retain_kl};
  for (int i = 0; i < 3; ++i)
    if (values[i].defined()) sums_[i] += values[i].item<double>();
  if (++micro_batches_ < options_.trainer.grad_accum) return;
  for (int i = 0; i < 3; ++i) {
    last_[i] = sums_[i] / static_cast<double>(micro_batches_);
    sums_[i] = 0;
  }
  micro_batches_ = 0;
}

MicroBatchLoss ForgetRetainObjective::operator()(const std::vector<int64_t>& items) {
  const ObjectiveTerms t = terms(items);
  record(t);
  torch::Tensor loss = options_.forget_weight * t.forget;
  const torch::Tensor retain = weighted_retain(t);
  if (retain.defined()) loss = loss + retain;
  if (!options_.sure) return {loss, t.tokens};
  return {masked_surrogate(t, loss), t.tokens};
}

// A scalar whose value is `loss` and whose gradient is the loss's gradient with SURE's mask
// applied: loss.detach() + Σ_i <p_i, m_i ⊙ g_i> − (the same, detached). The forget and retain
// terms come from separate forward passes, so their gradients are taken one after the other.
torch::Tensor ForgetRetainObjective::masked_surrogate(const ObjectiveTerms& t, const torch::Tensor& loss) {
  std::vector<torch::Tensor> params;
  for (const auto& [name, p] : trainable_) params.push_back(p);
  const auto forget_grads = torch::autograd::grad({t.forget}, params, {}, false, false, /*allow_unused=*/true);
  const std::vector<torch::Tensor> masks = saliency_masks(forget_grads, options_.sure_percentile);
  std::vector<torch::Tensor> retain_grads(params.size());
  const torch::Tensor retain = weighted_retain(t);
  if (retain.defined()) retain_grads = torch::autograd::grad({retain}, params, {}, false, false, true);
  torch::Tensor surrogate = torch::zeros({}, loss.options());
  for (size_t i = 0; i < params.size(); ++i) {
    if (!masks[i].defined()) continue;  // the forget term does not reach it: not salient
    torch::Tensor g = options_.forget_weight * forget_grads[i];
    if (retain_grads[i].defined()) g = g + retain_grads[i];
    surrogate = surrogate + (params[i] * (g * masks[i]).detach()).sum().to(loss.scalar_type());
  }
  return loss.detach() + (surrogate - surrogate.detach());
}

}  // namespace llmedit::unlearn
