// Training a SentencePiece tokenizer with libsentencepiece's trainer, for models llmedit
// trains from scratch (the shipped world model).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace llmedit {

struct SentencePieceTrainOptions {
  std::vector<std::string> inputs;  // text corpora (.txt) and QA files (.json/.jsonl: questions and answers)
  int64_t vocab_size = 2000;
  std::string model_type = "bpe";  // "bpe" or "unigram"
};

// Writes <out_dir>/tokenizer.model and a tokenizer_config.json (BOS <s> added, EOS </s>, no chat
// template, so prompts use the plain QA format). Byte fallback keeps every string encodable;
// digits are split one by one, so years and phone numbers tokenize uniformly.
void train_sentencepiece_tokenizer(const SentencePieceTrainOptions& options, const std::string& out_dir);

}  // namespace llmedit
