// BertNormalizer and BertPreTokenizer. Character classes follow `tokenizers`: "control" is
// the Unicode "Other" group without unassigned code points (Cc, Cf, Co) and without \t \n \r,
// which count as white space; punctuation is ASCII punctuation or any P* category.
#include "libllmedit/tokenizer/bert_components.h"

#include "libllmedit/tokenizer/unicode.h"
#include "libllmedit/tokenizer/unicode_case.h"

namespace llmedit {

namespace {

using tokenizer_json::Context;
using unicode::Category;

bool is_tab_or_newline(uint32_t cp) { return cp == '\t' || cp == '\n' || cp == '\r'; }

bool is_bert_control(uint32_t cp) {
  if (is_tab_or_newline(cp)) return false;
  const Category c = unicode::category(cp);
  return c == Category::Cc || c == Category::Cf || c == Category::Co;
}

bool is_bert_white_space(uint32_t cp) { return is_tab_or_newline(cp) || unicode::is_white_space(cp); }

// The CJK ideograph blocks BERT surrounds with spaces, as listed in `tokenizers`
// (normalizers/bert.rs, is_chinese_char; note 0x2B920, not the original BERT's 0x2B820).
bool is_chinese_char(uint32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF) ||
         (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

bool is_bert_punctuation(uint32_t cp) {
  const bool ascii = (cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126);
  return ascii || unicode::category_group(unicode::category(cp)) == 'P';
}

// Drops NUL, U+FFFD and control characters; every white-space character becomes ' '.
std::string clean_text(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    const uint32_t cp = unicode::next_code_point(text, pos);
    if (cp == 0 || cp == 0xFFFD || is_bert_control(cp)) continue;
    unicode::append_utf8(out, is_bert_white_space(cp) ? ' ' : cp);
  }
  return out;
}

std::string space_chinese_chars(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    const size_t start = pos;
    const uint32_t cp = unicode::next_code_point(text, pos);
    if (is_chinese_char(cp)) out += ' ';
    out.append(text, start, pos - start);
    if (is_chinese_char(cp)) out += ' ';
  }
  return out;
}

// NFD, then without nonspacing marks (Mn).
std::string strip_accents(const std::string& text) {
  const std::string decomposed = unicode::nfd(text);
  std::string out;
  out.reserve(decomposed.size());
  for (size_t pos = 0; pos < decomposed.size();) {
    const size_t start = pos;
    if (unicode::category(unicode::next_code_point(decomposed, pos)) != Category::Mn) out.append(decomposed, start, pos - start);
  }
  return out;
}

class BertNormalizer : public Normalizer {
 public:
  BertNormalizer(bool clean_text, bool chinese_chars, bool strip_accents, bool lowercase)
      : clean_text_(clean_text), chinese_chars_(chinese_chars), strip_accents_(strip_accents), lowercase_(lowercase) {}

  // The steps in the order of normalizers/bert.rs.
  std::string normalize(const std::string& text) const override {
    std::string out = clean_text_ ? clean_text(text) : text;
    if (chinese_chars_) out = space_chinese_chars(out);
    if (strip_accents_) out = strip_accents(out);
    if (lowercase_) out = unicode::lowercase(out);
    return out;
  }

 private:
  bool clean_text_, chinese_chars_, strip_accents_, lowercase_;
};

class BertPreTokenizer : public PreTokenizer {
 public:
  void split(std::vector<std::string>& pieces, bool) const override {
    std::vector<std::string> out;
    out.reserve(pieces.size() * 2);
    for (const std::string& piece : pieces) split_piece(piece, out);
    pieces.swap(out);
  }

 private:
  static void split_piece(const std::string& piece, std::vector<std::string>& out) {
    std::string word;
    const auto flush = [&] {
      if (!word.empty()) out.push_back(std::move(word));
      word.clear();
    };
    for (size_t pos = 0; pos < piece.size();) {
      const size_t start = pos;
      const uint32_t cp = unicode::next_code_point(piece, pos);
      if (unicode::is_white_space(cp)) {
        flush();
      } else if (is_bert_punctuation(cp)) {
        flush();
        out.push_back(piece.substr(start, pos - start));
      } else {
        word.append(piece, start, pos - start);
      }
    }
    flush();
  }
};

}  // namespace

std::unique_ptr<Normalizer> make_bert_normalizer(const nlohmann::json& spec, const Context& ctx) {
  const bool lowercase = tokenizer_json::bool_field(spec, "lowercase", true, ctx);
  // strip_accents: null means "as lowercase" (normalizers/bert.rs).
  return std::make_unique<BertNormalizer>(tokenizer_json::bool_field(spec, "clean_text", true, ctx),
                                          tokenizer_json::bool_field(spec, "handle_chinese_chars", true, ctx),
                                          tokenizer_json::bool_field(spec, "strip_accents", lowercase, ctx), lowercase);
}

std::unique_ptr<PreTokenizer> make_bert_pre_tokenizer() { return std::make_unique<BertPreTokenizer>(); }

}  // namespace llmedit
