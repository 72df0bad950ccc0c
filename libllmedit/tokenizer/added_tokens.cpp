// Matching added tokens as `tokenizers`' AddedVocabulary does: non-normalized tokens on the
// raw input, normalized ones on each normalized piece, leftmost-longest, with the
// single_word / lstrip / rstrip rules.
#include "libllmedit/tokenizer/added_tokens.h"

#include <algorithm>

#include "libllmedit/tokenizer/unicode.h"

namespace llmedit {

using tokenizer_json::Context;

namespace {

uint32_t last_code_point(const std::string& text, size_t end) {
  size_t begin = end;
  while (begin > 0 && (static_cast<unsigned char>(text[begin - 1]) & 0xC0) == 0x80) --begin;
  if (begin > 0) --begin;
  return unicode::next_code_point(text, begin);
}

// \w as the regex crate defines it, which `tokenizers` uses for single_word.
bool is_word_character(uint32_t cp) {
  const char group = unicode::category_group(unicode::category(cp));
  const auto cat = unicode::category(cp);
  return group == 'L' || group == 'M' || cat == unicode::Category::Nd || cat == unicode::Category::Nl ||
         cat == unicode::Category::Pc;
}

bool word_ends_at(const std::string& text, size_t end) { return end > 0 && is_word_character(last_code_point(text, end)); }

bool word_starts_at(const std::string& text, size_t begin) {
  if (begin >= text.size()) return false;
  return is_word_character(unicode::next_code_point(text, begin));
}

// Start of the white space run that ends at `end`.
size_t white_space_run_start(const std::string& text, size_t end) {
  while (end > 0) {
    size_t begin = end;
    while (begin > 0 && (static_cast<unsigned char>(text[begin - 1]) & 0xC0) == 0x80) --begin;
    --begin;
    size_t pos = begin;
    if (!unicode::is_white_space(unicode::next_code_point(text, pos))) break;
    end = begin;
  }
  return end;
}

size_t white_space_run_end(const std::string& text, size_t begin) {
  while (begin < text.size()) {
    size_t pos = begin;
    if (!unicode::is_white_space(unicode::next_code_point(text, pos))) break;
    begin = pos;
  }
  return begin;
}

}  // namespace

void AddedVocabulary::Matcher::add(std::string pattern, size_t token) {
  if (pattern.empty()) return;
  patterns.push_back(std::move(pattern));
  token_index.push_back(token);
}

void AddedVocabulary::Matcher::finish() {
  for (size_t i = 0; i < patterns.size(); ++i) by_first_byte[static_cast<unsigned char>(patterns[i][0])].push_back(i);
  for (auto& bucket : by_first_byte) {
    std::stable_sort(bucket.begin(), bucket.end(), [&](size_t a, size_t b) { return patterns[a].size() > patterns[b].size(); });
  }
}

long AddedVocabulary::Matcher::find(const std::string& text, size_t from, size_t& begin) const {
  if (patterns.empty()) return -1;
  for (size_t pos = from; pos < text.size(); ++pos) {
    for (size_t index : by_first_byte[static_cast<unsigned char>(text[pos])]) {
      const std::string& p = patterns[index];
      if (text.compare(pos, p.size(), p) == 0) {
        begin = pos;
        return static_cast<long>(index);
      }
    }
  }
  return -1;
}

AddedVocabulary::AddedVocabulary(const nlohmann::json& added_tokens, const Normalizer* normalizer, int64_t model_ids,
                                 const Context& ctx) {
  if (added_tokens.is_null()) return;
  if (!added_tokens.is_array()) ctx.fail("not an array");
  for (size_t i = 0; i < added_tokens.size(); ++i) {
    const auto& spec = added_tokens[i];
    const Context tctx = ctx.at(i);
    if (!spec.is_object() || !spec.contains("id")) tctx.fail("needs a non-negative integer 'id'");
    AddedToken token;
    token.id = tokenizer_json::token_id(spec["id"], static_cast<size_t>(model_ids) + added_tokens.size(), tctx.at("id"));
    token.content = tokenizer_json::string_field(spec, "content", tctx);
    token.special = tokenizer_json::bool_field(spec, "special", false, tctx);
    token.lstrip = tokenizer_json::bool_field(spec, "lstrip", false, tctx);
    token.rstrip = tokenizer_json::bool_field(spec, "rstrip", false, tctx);
    token.normalized = tokenizer_json::bool_field(spec, "normalized", !token.special, tctx);
    token.single_word = tokenizer_json::bool_field(spec, "single_word", false, tctx);
    max_id_ = std::max(max_id_, token.id);
    by_id_[token.id] = tokens_.size();
    by_content_[token.content] = tokens_.size();
    tokens_.push_back(std::move(token));
  }
  for (size_t i = 0; i < tokens_.size(); ++i) {
    const AddedToken& token = tokens_[i];
    if (token.normalized) normalized_.add(normalizer ? normalizer->normalize(token.content) : token.content, i);
    else raw_.add(token.content, i);
  }
  raw_.finish();
  normalized_.finish();
}

void AddedVocabulary::split(const TextPiece& piece, bool normalized_tokens, std::vector<TextPiece>& out) const {
  const Matcher& matcher = normalized_tokens ? normalized_ : raw_;
  const std::string& text = piece.text;
  size_t emitted = 0;  // text before this offset has been emitted
  size_t search = 0;
  size_t begin = 0;
  for (long index; (index = matcher.find(text, search, begin)) >= 0;) {
    const AddedToken& token = tokens_[matcher.token_index[static_cast<size_t>(index)]];
    size_t end = begin + matcher.patterns[static_cast<size_t>(index)].size();
    search = end;
    if (begin < emitted) continue;  // inside white space an rstrip already took
    if (token.single_word && (word_ends_at(text, begin) || word_starts_at(text, end))) continue;
    if (token.lstrip) begin = std::max(white_space_run_start(text, begin), emitted);
    if (token.rstrip) end = white_space_run_end(text, end);
    if (begin > emitted) out.push_back({text.substr(emitted, begin - emitted), -1, piece.at_text_start && emitted == 0});
    out.push_back({text.substr(begin, end - begin), token.id, false});
    emitted = end;
    search = std::max(search, end);
  }
  if (emitted < text.size()) out.push_back({text.substr(emitted), -1, piece.at_text_start && emitted == 0});
}

const AddedToken* AddedVocabulary::find(int64_t id) const {
  const auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &tokens_[it->second];
}

const AddedToken* AddedVocabulary::find(const std::string& content) const {
  const auto it = by_content_.find(content);
  return it == by_content_.end() ? nullptr : &tokens_[it->second];
}

}  // namespace llmedit
