// The micro-batch loss of the forget/retain objectives, as the shared trainer calls it: given
// forget item indices, it scores those items and their paired retain items (i mod |retain|).
#pragma once
#include <torch/types.h>

#include <memory>
#include <vector>

#include "libllmedit/io/safetensors.h"
#include "libllmedit/model/causal_lm.h"
#include "libllmedit/model/lora.h"
#include "libllmedit/train/qa_collator.h"
#include "libllmedit/train/trainer.h"
#include "methods/unlearn/common/forget_retain.h"
#include "methods/unlearn/common/reference_model.h"

namespace llmedit::unlearn {

// The terms of one micro-batch, before weighting; a retain term the method lacks is undefined.
struct ObjectiveTerms {
  torch::Tensor forget;
  torch::Tensor retain_ce;  // CE(retain)
  torch::Tensor retain_kl;  // KL(ref‖θ) on retain
  int64_t tokens = 0;
};

class ForgetRetainObjective {
 public:
  // `trainable` are the tensors the trainer updates (SURE masks their gradients). The model,
  // adapter and collator must outlive the objective.
  ForgetRetainObjective(const ForgetRetainOptions& options, CausalLM& model, LoraAdapter* adapter,
                        const QACollator& collator, std::vector<TokenizedQA> forget, std::vector<TokenizedQA> retain,
                        NamedTensors trainable);

  // The terms of forget items `items` and their retain partners.
  ObjectiveTerms terms(const std::vector<int64_t>& items);
  // The weighted loss for the trainer. With SURE its value is the loss, and its gradient is the
  // loss's gradient with the non-salient rows zeroed (see methods/unlearn/sure/saliency.h).
  MicroBatchLoss operator()(const std::vector<int64_t>& items);

  // retain_weight · CE + kl_weight · KL, undefined when the method has no retain term.
  torch::Tensor weighted_retain(const ObjectiveTerms& terms) const;

  // Mean terms over the micro-batches of the last completed optimizer step, for the log.
  double last_forget_term() const { return last_[0]; }
  double last_retain_ce() const { return last_[1]; }
  double last_retain_kl() const { return last_[2]; }

  // The retain item paired with forget item i.
  int64_t retain_partner(int64_t forget_item) const;

 private:
  torch::Tensor forget_term(const QABatch& batch);
  void retain_terms(const QABatch& batch, ObjectiveTerms& terms);
  torch::Tensor masked_surrogate(const ObjectiveTerms& terms, const torch::Tensor& loss);
  QABatch batch_of(const std::vector<TokenizedQA>& pool, const std::vector<int64_t>& indices) const;
  torch::Tensor logits(const QABatch& batch);
  void record(const ObjectiveTerms& terms);

  ForgetRetainOptions options_;
  CausalLM& model_;
  const QACollator& collator_;
  std::vector<TokenizedQA> forget_, retain_;
  NamedTensors trainable_;
  std::unique_ptr<ReferenceModel> reference_;  // only when a term needs πref
  double sums_[3] = {0, 0, 0}, last_[3] = {0, 0, 0};  // forget, retain CE, retain KL
  int64_t micro_batches_ = 0;
};

}  // namespace llmedit::unlearn
