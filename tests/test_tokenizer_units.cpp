// The tokenizer's parts on their own: the regex engine, Unicode services, byte-level
// alphabet, and a small tokenizer.json exercising added-token flags, byte fallback, <unk>
// fusion, Metaspace and the post-processor template. None of these need fixtures.
#include "libllmedit/tokenizer/byte_level.h"
#include "libllmedit/tokenizer/regex.h"
#include "libllmedit/tokenizer/tokenizer.h"
#include "libllmedit/tokenizer/unicode.h"

#include <catch2/catch.hpp>

#include "tests/test_tokenizer_helpers.h"

using llmedit::Regex;
using llmedit::RegexError;

namespace {

std::vector<std::string> split(const std::string& pattern, const std::string& text) {
  std::vector<uint32_t> cps, offsets;
  llmedit::unicode::decode_utf8(text, cps, offsets);
  std::vector<std::pair<size_t, size_t>> matches;
  Regex(pattern).find_all(cps, matches);
  std::vector<std::string> out;
  for (const auto& [begin, end] : matches) out.push_back(text.substr(offsets[begin], offsets[end] - offsets[begin]));
  return out;
}

const char* const kLlama3Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

using Pieces = std::vector<std::string>;

}  // namespace

TEST_CASE("the regex engine splits as the pre-tokenizer patterns require", "[tokenizer]") {
  CHECK(split(kLlama3Pattern, "It'S 12345 words  \n\nok") == Pieces{"It", "'S", " ", "123", "45", " words", "  \n\n", "ok"});
  CHECK(split(kLlama3Pattern, "a   b") == Pieces{"a", "  ", " b"});
  CHECK(split(kLlama3Pattern, "x\xC5\xBF") == Pieces{"x\xC5\xBF"});  // "ſ" is a letter
  CHECK(split("(?i:'s)", "'\xC5\xBF'S's") == Pieces{"'\xC5\xBF", "'S", "'s"});  // long s folds to s
  CHECK(split(R"(\p{N}+|\p{Lu}+)", "AB12\xE2\x85\xAB") == Pieces{"AB", "12\xE2\x85\xAB"});  // Ⅻ is Nl
  CHECK(split("a++a|b", "aaab") == Pieces{"b"});      // possessive: no backtracking
  CHECK(split("a+?", "aaa") == Pieces{"a", "a", "a"});  // lazy
  CHECK(split("a{2,3}", "aaaaaaa") == Pieces{"aaa", "aaa"});
  CHECK(split("(?=ab)a|b", "abb") == Pieces{"a", "b", "b"});
  CHECK(split(R"([^\s\d]+)", "ab 12 c\xC2\xA0" "d") == Pieces{"ab", "c", "d"});  // U+00A0 is white space
  CHECK(split(R"(\x41|\u00e9|\x{1F600})", "A\xC3\xA9\xF0\x9F\x98\x80") == Pieces{"A", "\xC3\xA9", "\xF0\x9F\x98\x80"});
  CHECK(split("^a|b$", "ab\nab") == Pieces{"a", "b", "a", "b"});
  for (const char* bad : {"(?<=a)b", "\\1", "a**", "(a", "[a", "\\p{Foo}", "(?P<n>a)", "\\bx", "(a*)*"}) {
    INFO(bad);
    CHECK_THROWS_AS(Regex(bad), RegexError);
  }
}

TEST_CASE("Unicode services: categories, white space, NFC, UTF-8 repair", "[tokenizer]") {
  namespace u = llmedit::unicode;
  CHECK(u::is_letter(U'\u4E2D'));
  CHECK(u::is_number(U'\u0663'));
  CHECK_FALSE(u::is_letter(U'\u0301'));
  CHECK(u::is_white_space(0x3000));
  CHECK_FALSE(u::is_white_space(0x200B));
  CHECK(u::nfc("e\xCC\x81") == "\xC3\xA9");                             // e + acute -> é
  CHECK(u::nfc("\xE1\x84\x80\xE1\x85\xA1\xE1\x86\xA8") == "\xEA\xB0\x81");  // jamo -> 각
  CHECK(u::nfc("q\xCC\x87\xCC\xA3") == "q\xCC\xA3\xCC\x87");              // canonical order
  CHECK(u::nfc("\xE2\x84\xAB") == "\xC3\x85");                          // Angstrom sign -> Å
  CHECK(u::nfc("plain ascii") == "plain ascii");
  CHECK(u::from_utf8_lossy("a\xF0\x9F\x98") == "a\xEF\xBF\xBD");
  CHECK(u::from_utf8_lossy("\xC0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(u::from_utf8_lossy("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // no surrogates
}

TEST_CASE("the byte-level alphabet is GPT-2's", "[tokenizer]") {
  CHECK(llmedit::byte_level::byte_to_char(' ') == "\xC4\xA0");   // Ġ
  CHECK(llmedit::byte_level::byte_to_char('\n') == "\xC4\x8A");  // Ċ
  CHECK(llmedit::byte_level::byte_to_char('a') == "a");
  CHECK(llmedit::byte_level::char_to_byte(0x120) == ' ');
  CHECK(llmedit::byte_level::char_to_byte(0x4E2D) == -1);
}

TEST_CASE("a small tokenizer.json: added tokens, byte fallback, unknowns, Metaspace", "[tokenizer]") {
  const auto tok = llmedit::load_tokenizer(llmedit::test::write_tokenizer("tok-tiny", llmedit::test::tiny_tokenizer_json()));
  using Ids = std::vector<int64_t>;
  CHECK(tok->encode("", false).empty());
  CHECK(tok->encode("c ac", false) == Ids{3, 6, 7, 6});    // "▁c", "▁ac": merges by rank
  CHECK(tok->encode("abab", false) == Ids{9, 8});         // the single-word token "ab" is not matched inside a word
  CHECK(tok->encode("\xC3\xA9", false) == Ids{3, 10, 11});  // é by byte fallback
  CHECK(tok->encode("xyz", false) == Ids{3, 0});            // unknowns fused into one <unk>
  CHECK(tok->encode("c <sep> ab", false) == Ids{3, 6, 12, 13});  // <sep> takes the spaces around it
  CHECK(tok->encode("ab", true) == Ids{1, 13, 2});
  CHECK(tok->decode({3, 6, 12, 9}) == "c<sep> ab");
  CHECK(tok->decode({3, 6, 12, 9}, true) == "c ab");
  CHECK(tok->decode({3, 10, 11}) == "\xC3\xA9");  // the first token's "▁" is dropped
  CHECK(tok->decode({10}) == "\xEF\xBF\xBD");  // a lone byte token is not UTF-8
  CHECK(tok->decode({9, 999}) == "ab");        // ids outside the vocabulary are dropped
  CHECK(tok->vocab_size() == 14);
}
