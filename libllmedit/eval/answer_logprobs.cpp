#include "libllmedit/eval/answer_logprobs.h"

#include <torch/torch.h>

#include <algorithm>
#include <numeric>

namespace llmedit {

double AnswerLogprobs::total() const { return std::accumulate(logprobs.begin(), logprobs.end(), 0.0); }

namespace {

TokenizedQA tokenize_pair(const QACollator& collator, const std::pair<std::string, std::string>& pair, bool with_eos) {
  TokenizedQA item = collator.tokenize(pair.first, pair.second);
  const int64_t eos = collator.tokenizer().eos_id();
  if (!with_eos && static_cast<int64_t>(item.ids.size()) > item.prompt_length && item.ids.back() == eos)
    item.ids.pop_back();
  return item;
}

// log p(ids[t + 1] | ids[..t]) for every row and position: [B, T-1] float64 on the CPU. Only the
// picked entries leave the device, never the [B, T, V] distribution.
torch::Tensor next_token_logprobs(const torch::Tensor& logits, const torch::Tensor& input_ids) {
  const int64_t T = logits.size(1);
  const torch::Tensor shifted = logits.narrow(1, 0, T - 1).to(torch::kFloat);
  const torch::Tensor next = input_ids.to(logits.device()).narrow(1, 1, T - 1).unsqueeze(2);
  return (shifted.gather(2, next).squeeze(2) - shifted.logsumexp(2)).to(torch::kDouble).cpu();
}

// Row `row`'s answer tokens and their log-probabilities. Right padding puts the answer at
// [prompt_length, ids.size()) of the row; token t is scored by position t - 1.
AnswerLogprobs row_logprobs(const torch::Tensor& next_logprobs, int64_t row, const TokenizedQA& item) {
  AnswerLogprobs out;
  const auto scores = next_logprobs.accessor<double, 2>();
  for (size_t t = static_cast<size_t>(std::max<int64_t>(item.prompt_length, 1)); t < item.ids.size(); ++t) {
    out.token_ids.push_back(item.ids[t]);
    out.logprobs.push_back(scores[row][static_cast<int64_t>(t) - 1]);
  }
  return out;
}

}  // namespace

std::vector<AnswerLogprobs> answer_logprobs(CausalLM& model, const QACollator& collator,
                                            const std::vector<std::pair<std::string, std::string>>& pairs,
                                            const AnswerNllOptions& options) {
  std::vector<TokenizedQA> items;
  for (const auto& pair : pairs) items.push_back(tokenize_pair(collator, pair, options.with_eos));
  std::vector<size_t> order(items.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return items[a].ids.size() < items[b].ids.size(); });

  torch::NoGradGuard no_grad;
  // Right padding keeps every row's tokens at the same positions as when scored alone.
  QACollatorOptions right_padded = collator.options();
  right_padded.left_padding = false;
  const QACollator batcher(collator.tokenizer(), collator.chat_template(), right_padded);
  std::vector<AnswerLogprobs> out(items.size());
  const auto batch = static_cast<size_t>(std::max<int64_t>(1, options.batch_size));
  for (size_t begin = 0; begin < order.size(); begin += batch) {
    const size_t end = std::min(order.size(), begin + batch);
    std::vector<TokenizedQA> chunk;
    for (size_t i = begin; i < end; ++i) chunk.push_back(items[order[i]]);
    const QABatch padded = batcher.collate(chunk);
    ForwardOptions forward;
    forward.attention_mask = padded.attention_mask.to(model.device());
    const torch::Tensor logits = model.forward(padded.input_ids.to(model.device()), forward).logits;
    const torch::Tensor scores = next_token_logprobs(logits, padded.input_ids);
    for (size_t i = begin; i < end; ++i)
      out[order[i]] = row_logprobs(scores, static_cast<int64_t>(i - begin), chunk[i - begin]);
  }
  return out;
}

}  // namespace llmedit
