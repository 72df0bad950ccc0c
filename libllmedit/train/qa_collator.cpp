#include "libllmedit/train/qa_collator.h"

#include <torch/torch.h>

#include <algorithm>

#include "libllmedit/core/error.h"
#include "libllmedit/train/losses.h"

namespace llmedit {

QACollator::QACollator(const Tokenizer& tokenizer, ChatTemplate chat_template, QACollatorOptions options)
    : tokenizer_(tokenizer), template_(std::move(chat_template)), options_(options) {
  if (options_.max_length < 2) throw config_error("data.max_length must be at least 2, got " + std::to_string(options_.max_length));
  if (tokenizer_.eos_id() < 0) throw config_error("the tokenizer has no EOS token, which QA training needs to end answers");
}

int64_t QACollator::pad_id() const { return tokenizer_.pad_id() >= 0 ? tokenizer_.pad_id() : tokenizer_.eos_id(); }

std::vector<int64_t> QACollator::prompt_ids(const std::string& question) const {
  const std::string prompt = template_.render({{"user", question}}, /*add_generation_prompt=*/true);
  std::vector<int64_t> ids = tokenizer_.encode_rendered(prompt);
  // Templates that do not write BOS (QA, ChatML), and tokenizers whose post-processor adds none
  // (Llama-3's tokenizer.json), still start every training item with BOS when the model has one.
  const int64_t bos = tokenizer_.bos_id();
  if (bos >= 0 && (ids.empty() || ids.front() != bos)) ids.insert(ids.begin(), bos);
  return ids;
}

std::vector<int64_t> QACollator::answer_ids(const std::string& answer) const {
  std::string text;
  if (template_.format() == ChatTemplate::Format::QA) {
    text = " " + answer;  // the QA prompt ends with "Answer:", the answer follows after a space
  } else {
    // Chat formats: the assistant turn as the template writes it after the generation prompt.
    const std::string prompt = template_.render({{"user", "\x01"}}, true);
    const std::string full = template_.render({{"user", "\x01"}, {"assistant", answer}}, false);
    text = full.compare(0, prompt.size(), prompt) == 0 ? full.substr(prompt.size()) : answer;
  }
  std::vector<int64_t> ids = tokenizer_.encode_rendered(text);
  const int64_t eos = tokenizer_.eos_id();
  if (ids.empty() || ids.back() != eos) ids.push_back(eos);
  return ids;
}

TokenizedQA QACollator::tokenize(const std::string& question, const std::string& answer) const {
  std::vector<int64_t> prompt = prompt_ids(question);
  std::vector<int64_t> reply = answer_ids(answer);
  const auto max_length = static_cast<size_t>(options_.max_length);
  // Truncate the prompt first (keeping BOS and the prompt's end, nearest the answer), then the answer's tail.
  if (prompt.size() + reply.size() > max_length) {
    const size_t keep_prompt = reply.size() >= max_length - 1 ? 1 : max_length - reply.size();
    if (prompt.size() > keep_prompt) {
      std::vector<int64_t> kept{prompt.front()};
      kept.insert(kept.end(), prompt.end() - static_cast<std::ptrdiff_t>(keep_prompt - 1), prompt.end());
      prompt = std::move(kept);
    }
    if (prompt.size() + reply.size() > max_length) reply.resize(max_length - prompt.size());
  }
  TokenizedQA item;
  item.prompt_length = static_cast<int64_t>(prompt.size());
  item.ids = std::move(prompt);
  item.ids.insert(item.ids.end(), reply.begin(), reply.end());
  return item;
}

QABatch QACollator::collate(const std::vector<TokenizedQA>& items) const {
  if (items.empty()) throw Error(ErrorKind::Internal, "QACollator::collate called with no items");
  size_t T = 0;
  for (const TokenizedQA& item : items) T = std::max(T, item.ids.size());
  const auto B = static_cast<int64_t>(items.size());
  std::vector<int64_t> ids(B * T, pad_id()), mask(B * T, 0), labels(B * T, kIgnoreIndex);
  for (int64_t b = 0; b < B; ++b) {
    const TokenizedQA& item = items[static_cast<size_t>(b)];
    const size_t offset = b * T + (options_.left_padding ? T - item.ids.size() : 0);
    for (size_t t = 0; t < item.ids.size(); ++t) {
      ids[offset + t] = item.ids[t];
      mask[offset + t] = 1;
      if (static_cast<int64_t>(t) >= item.prompt_length) labels[offset + t] = item.ids[t];
    }
  }
  auto tensor = [&](std::vector<int64_t>& v) { return torch::tensor(v, torch::kInt64).view({B, static_cast<int64_t>(T)}); };
  return {tensor(ids), tensor(mask), tensor(labels)};
}

}  // namespace llmedit
