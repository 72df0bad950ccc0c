// QA training format (DESIGN.md §3): BOS + the question in a chat template, then the answer +
// EOS; labels are -100 on the prompt and on padding; over-long items lose prompt tokens first.
#pragma once
#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "libllmedit/tokenizer/chat_template.h"
#include "libllmedit/tokenizer/tokenizer.h"

namespace llmedit {

struct QACollatorOptions {
  int64_t max_length = 512;
  bool left_padding = false;  // left for generation-style batches, right (default) for training
};

// One tokenized item: prompt then answer; labels cover the answer only.
struct TokenizedQA {
  std::vector<int64_t> ids;
  int64_t prompt_length = 0;
};

struct QABatch {
  torch::Tensor input_ids;       // [B, T] int64, padded with the pad id (EOS when none)
  torch::Tensor attention_mask;  // [B, T] int64, 1 on tokens
  torch::Tensor labels;          // [B, T] int64, -100 on prompt and padding
};

class QACollator {
 public:
  QACollator(const Tokenizer& tokenizer, ChatTemplate chat_template, QACollatorOptions options = {});

  // BOS + the templated question with the generation prompt: what the model sees before it answers.
  std::vector<int64_t> prompt_ids(const std::string& question) const;
  // The answer's tokens followed by EOS.
  std::vector<int64_t> answer_ids(const std::string& answer) const;
  TokenizedQA tokenize(const std::string& question, const std::string& answer) const;

  QABatch collate(const std::vector<TokenizedQA>& items) const;

  const Tokenizer& tokenizer() const { return tokenizer_; }
  const ChatTemplate& chat_template() const { return template_; }
  const QACollatorOptions& options() const { return options_; }
  int64_t pad_id() const;

 private:
  const Tokenizer& tokenizer_;
  ChatTemplate template_;
  QACollatorOptions options_;
};

}  // namespace llmedit
