// How likely a model finds an answer: the negative log-likelihood of the answer's tokens after
// the question's prompt (built by the collator exactly as in training). The basis of the
// Linguistic Score's perplexity and of TOFU's probability and truth ratio.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "libllmedit/data/qa_dataset.h"
#include "libllmedit/model/causal_lm.h"
#include "libllmedit/train/qa_collator.h"

namespace llmedit {

struct AnswerNll {
  double sum = 0.0;    // summed NLL (nats) of the scored answer tokens
  int64_t tokens = 0;  // how many answer tokens were scored
  double mean() const;  // sum / tokens; NaN when no token was scored
};

struct AnswerNllOptions {
  // Score the EOS that closes the answer, as training and TOFU do; ReLearn's perplexity scores
  // the response's own tokens only (tokenizer(query + response) has no EOS).
  bool with_eos = true;
  int64_t batch_size = 16;
};

// One AnswerNll per (question, answer) pair, in order. Pairs are batched by length with right
// padding; a pair whose answer has no token gets {0, 0}.
std::vector<AnswerNll> answer_nll(CausalLM& model, const QACollator& collator,
                                  const std::vector<std::pair<std::string, std::string>>& pairs,
                                  const AnswerNllOptions& options);

// Token-weighted mean answer NLL over `items` (EOS scored, as the training loss does): the
// teacher-forced loss of a whole set; 0 when no token is scored.
double mean_answer_nll(CausalLM& model, const QACollator& collator, const std::vector<QAItem>& items, int64_t batch_size);

}  // namespace llmedit
