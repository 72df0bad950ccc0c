#include "libllmedit/eval/answer_likelihood.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "libllmedit/train/losses.h"

namespace llmedit {

double AnswerNll::mean() const {
  return tokens > 0 ? sum / static_cast<double>(tokens) : std::numeric_limits<double>::quiet_NaN();
}

namespace {

TokenizedQA tokenize_pair(const QACollator& collator, const std::pair<std::string, std::string>& pair, bool with_eos) {
  TokenizedQA item = collator.tokenize(pair.first, pair.second);
  const int64_t eos = collator.tokenizer().eos_id();
  if (!with_eos && static_cast<int64_t>(item.ids.size()) > item.prompt_length && item.ids.back() == eos)
    item.ids.pop_back();
  return item;
}

// Summed NLL per row: logits [B, T, V] at t score labels [B, T] at t + 1 (-100 ignored).
std::vector<AnswerNll> batch_nll(const torch::Tensor& logits, const torch::Tensor& labels) {
  const int64_t T = logits.size(1);
  torch::Tensor shifted = logits.narrow(1, 0, T - 1).to(torch::kFloat);        // [B, T-1, V]
  torch::Tensor targets = labels.to(logits.device()).narrow(1, 1, T - 1);      // [B, T-1]
  torch::Tensor valid = targets.ne(kIgnoreIndex);                              // [B, T-1]
  torch::Tensor picked = shifted.gather(2, targets.clamp_min(0).unsqueeze(2)).squeeze(2);  // [B, T-1]
  torch::Tensor nll = (shifted.logsumexp(2) - picked) * valid.to(torch::kFloat);           // [B, T-1]
  torch::Tensor sums = nll.to(torch::kDouble).sum(1).cpu(), counts = valid.sum(1).cpu();  // [B]
  std::vector<AnswerNll> out(static_cast<size_t>(logits.size(0)));
  for (int64_t b = 0; b < logits.size(0); ++b) out[static_cast<size_t>(b)] = {sums[b].item<double>(), counts[b].item<int64_t>()};
  return out;
}

}  // namespace

std::vector<AnswerNll> answer_nll(CausalLM& model, const QACollator& collator,
                                  const std::vector<std::pair<std::string, std::string>>& pairs,
                                  const AnswerNllOptions& options) {
  std::vector<TokenizedQA> items;
  for (const auto& pair : pairs) items.push_back(tokenize_pair(collator, pair, options.with_eos));
  std::vector<size_t> order(items.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return items[a].ids.size() < items[b].ids.size(); });

  torch::NoGradGuard no_grad;
  std::vector<AnswerNll> out(items.size());
  const auto batch = static_cast<size_t>(std::max<int64_t>(1, options.batch_size));
  for (size_t begin = 0; begin < order.size(); begin += batch) {
    const size_t end = std::min(order.size(), begin + batch);
    std::vector<TokenizedQA> chunk;
    for (size_t i = begin; i < end; ++i) chunk.push_back(items[order[i]]);
    const QABatch padded = collator.collate(chunk);  // right padding unless the collator says otherwise
    ForwardOptions forward;
    forward.attention_mask = padded.attention_mask.to(model.device());
    const torch::Tensor logits = model.forward(padded.input_ids.to(model.device()), forward).logits;
    const std::vector<AnswerNll> scores = batch_nll(logits, padded.labels);
    for (size_t i = begin; i < end; ++i) out[order[i]] = scores[i - begin];
  }
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
