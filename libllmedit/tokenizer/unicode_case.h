// Lower-casing for the BERT normalizer: Unicode's full lowercase mapping, one code point at a
// time (Rust's char::to_lowercase, which `tokenizers` applies per character, so no
// context-dependent rules such as final sigma).
#pragma once
#include <cstdint>
#include <string>

namespace llmedit::unicode {

// Appends the lowercase form of `cp` (one or, for U+0130, two code points) as UTF-8.
void append_lowercase(std::string& out, uint32_t cp);

// Lower-cases valid UTF-8 text.
std::string lowercase(const std::string& text);

}  // namespace llmedit::unicode
