// GPT-2's byte-level alphabet: every byte is shown as one printable character, so a BPE
// vocabulary over these 256 characters covers any UTF-8 text without an unknown token.
#pragma once
#include <cstdint>
#include <string>

namespace llmedit::byte_level {

// The UTF-8 of the character that stands for `byte`.
const std::string& byte_to_char(uint8_t byte);
// The byte a character stands for, or -1 when it is not one of the 256.
int char_to_byte(uint32_t cp);
// Maps every byte of `bytes` to its character.
std::string encode(const std::string& bytes);
// The pattern GPT-2 splits words with; ByteLevel pre-tokenizers with use_regex use it.
extern const char* const kGpt2Pattern;

}  // namespace llmedit::byte_level
