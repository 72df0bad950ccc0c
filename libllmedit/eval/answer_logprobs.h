// Per-token log-probabilities of answers: what answer_nll sums, kept token by token, for research
// code that needs more than the total (which tokens carry a fact, where a method changed the model).
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "libllmedit/eval/answer_likelihood.h"
#include "libllmedit/model/causal_lm.h"
#include "libllmedit/train/qa_collator.h"

namespace llmedit {

/// The scored tokens of one answer, in order.
struct AnswerLogprobs {
  std::vector<int64_t> token_ids;  ///< the answer's tokens as the collator builds them (EOS last unless with_eos is false)
  std::vector<double> logprobs;    ///< log p(token | prompt, earlier answer tokens), natural log, one per token
  double total() const;            ///< the sum of `logprobs`: the answer's log-likelihood (-AnswerNll::sum)
};

/// Teacher-forced log-probabilities of each answer's tokens after its question's prompt, built by
/// `collator` exactly as in training (BOS + the question in the chat template, then the answer).
/// One result per (question, answer) pair, in order; pairs are batched by length (options.batch_size)
/// and scored without gradient. A prompt that fills max_length leaves the answer with no token.
std::vector<AnswerLogprobs> answer_logprobs(CausalLM& model, const QACollator& collator,
                                            const std::vector<std::pair<std::string, std::string>>& pairs,
                                            const AnswerNllOptions& options = {});

}  // namespace llmedit
