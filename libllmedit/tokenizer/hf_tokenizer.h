// A Hugging Face tokenizer.json (BPE or WordPiece model) run in C++ with the semantics of
// `tokenizers`.
#pragma once
#include <memory>
#include <string>

#include "libllmedit/tokenizer/added_tokens.h"
#include "libllmedit/tokenizer/decoder.h"
#include "libllmedit/tokenizer/normalizer.h"
#include "libllmedit/tokenizer/post_processor.h"
#include "libllmedit/tokenizer/pretokenizer.h"
#include "libllmedit/tokenizer/subword_model.h"
#include "libllmedit/tokenizer/tokenizer.h"
#include "libllmedit/tokenizer/tokenizer_config.h"

namespace llmedit {

class HfTokenizer final : public Tokenizer {
 public:
  // Throws a data error naming the file and field for anything unsupported or malformed.
  HfTokenizer(const std::string& tokenizer_json, const TokenizerConfig& config);

  std::vector<int64_t> encode(const std::string& text, bool add_special_tokens) const override;
  PairEncoding encode_pair(const std::string& a, const std::string& b, bool add_special_tokens = true) const override;
  std::string decode(const std::vector<int64_t>& ids, bool skip_special_tokens = false) const override;
  std::string id_to_piece(int64_t id) const override;
  int64_t piece_to_id(const std::string& piece) const override;
  int64_t vocab_size() const override;
  int64_t bos_id() const override { return bos_id_; }
  int64_t eos_id() const override { return eos_id_; }
  int64_t pad_id() const override { return pad_id_; }

 private:
  void encode_piece(const TextPiece& piece, std::vector<int64_t>& ids) const;
  int64_t config_token_id(const std::optional<std::string>& token, const TokenizerConfig& config, const char* key) const;

  std::unique_ptr<Normalizer> normalizer_;
  std::unique_ptr<PreTokenizer> pre_tokenizer_;
  std::unique_ptr<SubwordModel> model_;
  std::unique_ptr<Decoder> decoder_;
  AddedVocabulary added_;
  SpecialTokenFrame frame_;
  std::string file_;  // the tokenizer.json, for errors
  int64_t bos_id_ = -1, eos_id_ = -1, pad_id_ = -1;
};

}  // namespace llmedit
