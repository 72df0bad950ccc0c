// Unicode services the tokenizers need: UTF-8 coding, general categories, White_Space and NFC.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace llmedit::unicode {

// The general categories, in the order of scripts/gen_unicode_tables.py.
enum class Category : uint8_t {
  Lu, Ll, Lt, Lm, Lo, Mn, Mc, Me, Nd, Nl, No, Pc, Pd, Ps, Pe, Pi, Pf, Po,
  Sm, Sc, Sk, So, Zs, Zl, Zp, Cc, Cf, Cs, Co, Cn,
};

Category category(uint32_t cp);
// The one-letter group of a category: 'L', 'M', 'N', 'P', 'S', 'Z' or 'C'.
char category_group(Category c);
// Parses "L", "Lu", "N", ... into a bit mask over Category; 0 when the name is unknown.
uint32_t category_mask(const std::string& name);
inline uint32_t category_bit(Category c) { return 1u << static_cast<unsigned>(c); }

inline bool is_letter(uint32_t cp) { return category_group(category(cp)) == 'L'; }
inline bool is_number(uint32_t cp) { return category_group(category(cp)) == 'N'; }
// The White_Space property: what Oniguruma's and Rust's \s match.
bool is_white_space(uint32_t cp);

// ---- UTF-8 ----
void append_utf8(std::string& out, uint32_t cp);
// Decodes valid UTF-8 at text[pos]; returns the code point and advances pos.
uint32_t next_code_point(const std::string& text, size_t& pos);
// Decodes `text` (which must be valid UTF-8) into code points and their byte offsets;
// offsets gets one extra entry, text.size().
void decode_utf8(const std::string& text, std::vector<uint32_t>& cps, std::vector<uint32_t>& offsets);
bool is_valid_utf8(const std::string& bytes);
// Replaces each maximal invalid subsequence with U+FFFD, as Rust's String::from_utf8_lossy.
std::string from_utf8_lossy(const std::string& bytes);

// ---- normalization ----
uint8_t combining_class(uint32_t cp);
// Canonical composition (NFC) of valid UTF-8 text.
std::string nfc(const std::string& text);
// Canonical decomposition (NFD) of valid UTF-8 text.
std::string nfd(const std::string& text);

}  // namespace llmedit::unicode
