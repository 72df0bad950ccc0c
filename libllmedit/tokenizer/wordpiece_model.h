// The WordPiece model of tokenizer.json (BERT): greedy longest-match-first over a vocabulary,
// non-initial pieces carrying the continuing-subword prefix ("##").
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "libllmedit/tokenizer/subword_model.h"

namespace llmedit {

class WordPieceModel final : public SubwordModel {
 public:
  // `model` is the "model" object of a tokenizer.json; its type must be "WordPiece".
  WordPieceModel(const nlohmann::json& model, const tokenizer_json::Context& ctx);

  // As `tokenizers`' WordPiece::tokenize: a word longer than max_input_chars_per_word
  // characters, or one with a part no vocabulary entry covers, becomes the one unknown token.
  void tokenize(const std::string& word, std::vector<int64_t>& ids) const override;
  int64_t token_to_id(const std::string& token) const override;
  const std::string* id_to_token(int64_t id) const override;
  int64_t max_id() const override { return static_cast<int64_t>(tokens_.size()) - 1; }

 private:
  // The id of the longest vocabulary entry that starts word[begin..]; sets `end` past it.
  int64_t longest_match(const std::string& word, size_t begin, size_t& end) const;

  std::unordered_map<std::string, int64_t> vocab_;
  std::vector<std::string> tokens_;  // by id
  std::vector<bool> has_token_;      // ids the vocabulary skips have none
  std::string prefix_ = "##";
  size_t max_chars_ = 100;
  int64_t unk_id_ = -1;
};

}  // namespace llmedit
