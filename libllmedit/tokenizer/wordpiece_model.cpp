// WordPiece as Hugging Face `tokenizers` runs it (tokenizers/src/models/wordpiece/mod.rs):
// from the start of the word, take the longest vocabulary entry, then continue after it with
// the prefix prepended; if some position has no entry, the whole word is the unknown token.
#include "libllmedit/tokenizer/wordpiece_model.h"

namespace llmedit {

using tokenizer_json::Context;

namespace {

bool is_continuation_byte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

size_t count_code_points(const std::string& text) {
  size_t count = 0;
  for (char c : text) count += !is_continuation_byte(c);
  return count;
}

// Bytes of the last UTF-8 character of text[begin, end), which must be non-empty.
size_t last_char_length(const std::string& text, size_t begin, size_t end) {
  size_t start = end - 1;
  while (start > begin && is_continuation_byte(text[start])) --start;
  return end - start;
}

}  // namespace

WordPieceModel::WordPieceModel(const nlohmann::json& model, const Context& ctx) {
  const std::string type = tokenizer_json::type_of(model, ctx);
  if (type != "WordPiece") tokenizer_json::unsupported_type(type, ctx);
  if (const auto it = model.find("continuing_subword_prefix"); it != model.end() && !it->is_null())
    prefix_ = tokenizer_json::string_field(model, "continuing_subword_prefix", ctx);
  if (const auto it = model.find("max_input_chars_per_word"); it != model.end() && !it->is_null()) {
    if (!it->is_number_unsigned()) ctx.at("max_input_chars_per_word").fail("not a non-negative integer");
    max_chars_ = it->get<size_t>();
  }

  const Context vocab_ctx = ctx.at("vocab");
  const auto vocab = model.find("vocab");
  if (vocab == model.end() || !vocab->is_object()) vocab_ctx.fail("missing or not an object");
  for (const auto& [token, id] : vocab->items()) {
    const int64_t value = tokenizer_json::token_id(id, vocab->size(), vocab_ctx.at(token));
    vocab_[token] = value;
    if (value >= static_cast<int64_t>(tokens_.size())) {
      tokens_.resize(static_cast<size_t>(value) + 1);
      has_token_.resize(static_cast<size_t>(value) + 1, false);
    }
    tokens_[static_cast<size_t>(value)] = token;
    has_token_[static_cast<size_t>(value)] = true;
  }

  const std::string unk = tokenizer_json::string_field(model, "unk_token", ctx);
  unk_id_ = token_to_id(unk);
  if (unk_id_ < 0) ctx.at("unk_token").fail("'" + unk + "' is not in the vocabulary");
}

int64_t WordPieceModel::longest_match(const std::string& word, size_t begin, size_t& end) const {
  std::string candidate;
  for (end = word.size(); end > begin; end -= last_char_length(word, begin, end)) {
    candidate.assign(begin > 0 ? prefix_ : std::string());
    candidate.append(word, begin, end - begin);
    if (const auto it = vocab_.find(candidate); it != vocab_.end()) return it->second;
  }
  return -1;
}

void WordPieceModel::tokenize(const std::string& word, std::vector<int64_t>& ids) const {
  if (count_code_points(word) > max_chars_) {
    ids.push_back(unk_id_);
    return;
  }
  const size_t first = ids.size();
  for (size_t begin = 0, end = 0; begin < word.size(); begin = end) {
    const int64_t id = longest_match(word, begin, end);
    if (id < 0) {  // one uncovered position makes the whole word unknown
      ids.resize(first);
      ids.push_back(unk_id_);
      return;
    }
    ids.push_back(id);
  }
}

int64_t WordPieceModel::token_to_id(const std::string& token) const {
  const auto it = vocab_.find(token);
  return it == vocab_.end() ? -1 : it->second;
}

const std::string* WordPieceModel::id_to_token(int64_t id) const {
  if (id < 0 || id >= static_cast<int64_t>(tokens_.size()) || !has_token_[static_cast<size_t>(id)]) return nullptr;
  return &tokens_[static_cast<size_t>(id)];
}

}  // namespace llmedit
