// Added and special tokens of tokenizer.json, matched in the text before anything else.
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "libllmedit/tokenizer/json_context.h"
#include "libllmedit/tokenizer/normalizer.h"

namespace llmedit {

struct AddedToken {
  std::string content;
  int64_t id = -1;
  bool special = false;
  bool lstrip = false;       // the match also takes the white space before it
  bool rstrip = false;       // ... and after it
  bool normalized = false;   // matched in normalized text (else in the raw input)
  bool single_word = false;  // matched only when not inside a word
};

// A part of the text: either an added token (id >= 0) or text for the normal pipeline.
struct TextPiece {
  std::string text;
  int64_t id = -1;
  bool at_text_start = false;  // begins at offset 0 of the whole input
};

class AddedVocabulary {
 public:
  AddedVocabulary() = default;
  // `added_tokens` of a tokenizer.json; normalized tokens are matched by their normalized form.
  // `model_ids`: the model vocabulary's id count, which bounds how sparse added ids may be.
  AddedVocabulary(const nlohmann::json& added_tokens, const Normalizer* normalizer, int64_t model_ids,
                  const tokenizer_json::Context& ctx);

  // Appends the pieces of `text`, cut at the leftmost-longest matches of the tokens whose
  // `normalized` flag equals `normalized_tokens`. Pieces inherit at_text_start from `piece`.
  void split(const TextPiece& piece, bool normalized_tokens, std::vector<TextPiece>& out) const;

  const AddedToken* find(int64_t id) const;
  const AddedToken* find(const std::string& content) const;
  int64_t max_id() const { return max_id_; }

 private:
  // Patterns grouped by first byte, longest first, so the first hit is the longest match.
  struct Matcher {
    std::vector<std::string> patterns;
    std::vector<size_t> token_index;  // into tokens_
    std::vector<std::vector<size_t>> by_first_byte = std::vector<std::vector<size_t>>(256);
    void add(std::string pattern, size_t token);
    void finish();
    // Finds the leftmost-longest match at or after `from`: returns the pattern index or -1.
    long find(const std::string& text, size_t from, size_t& begin) const;
  };

  std::vector<AddedToken> tokens_;
  std::unordered_map<int64_t, size_t> by_id_;
  std::unordered_map<std::string, size_t> by_content_;
  Matcher raw_, normalized_;
  int64_t max_id_ = -1;
};

}  // namespace llmedit
