// A SentencePiece .model file through libsentencepiece.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "libllmedit/tokenizer/sentencepiece_processor.h"
#include "libllmedit/tokenizer/tokenizer.h"
#include "libllmedit/tokenizer/tokenizer_config.h"

namespace llmedit {

class SentencePieceTokenizer final : public Tokenizer {
 public:
  // Throws a data error naming the file when it cannot be loaded.
  SentencePieceTokenizer(const std::string& model_file, const TokenizerConfig& config);
  ~SentencePieceTokenizer() override;

  // Plain SentencePiece encoding ("<s>" in the text is text); add_special_tokens adds BOS
  // (unless tokenizer_config.json sets add_bos_token false) and EOS when add_eos_token is set.
  std::vector<int64_t> encode(const std::string& text, bool add_special_tokens) const override;
  std::vector<int64_t> encode_rendered(const std::string& text) const override;
  std::string decode(const std::vector<int64_t>& ids, bool skip_special_tokens = false) const override;
  std::string id_to_piece(int64_t id) const override;
  int64_t piece_to_id(const std::string& piece) const override;
  int64_t vocab_size() const override;
  int64_t bos_id() const override { return bos_id_; }
  int64_t eos_id() const override { return eos_id_; }
  int64_t pad_id() const override { return pad_id_; }

 private:
  bool is_special(int64_t id) const;
  std::string decode_run(const std::vector<int>& run, bool at_start) const;

  std::string file_;
  std::unique_ptr<SentencePieceProcessor> sp_;
  int64_t bos_id_ = -1, eos_id_ = -1, pad_id_ = -1;
  bool add_bos_ = true, add_eos_ = false;
  std::vector<std::pair<std::string, int64_t>> special_pieces_;  // longest first
};

}  // namespace llmedit
