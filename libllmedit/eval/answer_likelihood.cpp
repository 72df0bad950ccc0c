#include "libllmedit/eval/answer_likelihood.h"

#include <limits>

#include "libllmedit/eval/answer_logprobs.h"

namespace llmedit {

double AnswerNll::mean() const {
  return tokens > 0 ? sum / static_cast<double>(tokens) : std::numeric_limits<double>::quiet_NaN();
}

std::vector<AnswerNll> answer_nll(CausalLM& model, const QACollator& collator,
                                  const std::vector<std::pair<std::string, std::string>>& pairs,
                                  const AnswerNllOptions& options) {
  std::vector<AnswerNll> out;
  for (const AnswerLogprobs& answer : answer_logprobs(model, collator, pairs, options))
    out.push_back({-answer.total(), static_cast<int64_t>(answer.logprobs.size())});
  return out;
}

double mean_answer_nll(CausalLM& model, const QACollator& collator, const std::vector<QAItem>& items, int64_t batch_size) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const QAItem& item : items) pairs.emplace_back(item.question, item.answer);
  AnswerNllOptions options;
  options.batch_size = batch_size;
  double sum = 0;
  int64_t tokens = 0;
  for (const AnswerNll& nll : answer_nll(model, collator, pairs, options)) {
    sum += nll.sum;
    tokens += nll.tokens;
  }
  return tokens > 0 ? sum / static_cast<double>(tokens) : 0.0;
}

}  // namespace llmedit
