// The GPT-2 byte <-> character table, built once.
#include "libllmedit/tokenizer/byte_level.h"

#include <array>

#include "libllmedit/tokenizer/unicode.h"

namespace llmedit::byte_level {

namespace {

// Printable Latin-1 bytes stand for themselves; the other 68 bytes are moved to U+0100
// onwards in byte order (GPT-2's bytes_to_unicode).
struct Tables {
  std::array<std::string, 256> to_char;
  std::array<int16_t, 324> to_byte;  // every mapped code point is below 256 + 68
  Tables() {
    to_byte.fill(-1);
    uint32_t next_shifted = 256;
    for (uint32_t b = 0; b < 256; ++b) {
      const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      const uint32_t cp = printable ? b : next_shifted++;
      unicode::append_utf8(to_char[b], cp);
      to_byte[cp] = static_cast<int16_t>(b);
    }
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}

}  // namespace

const std::string& byte_to_char(uint8_t byte) { return tables().to_char[byte]; }

int char_to_byte(uint32_t cp) { return cp < tables().to_byte.size() ? tables().to_byte[cp] : -1; }

std::string encode(const std::string& bytes) {
  const Tables& t = tables();
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) out += t.to_char[static_cast<uint8_t>(c)];
  return out;
}

const char* const kGpt2Pattern = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

}  // namespace llmedit::byte_level
