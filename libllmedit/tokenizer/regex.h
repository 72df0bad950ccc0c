// A small backtracking regex engine over code points, for the pre-tokenizer patterns of
// tokenizer.json files (Oniguruma syntax as Hugging Face `tokenizers` uses it).
//
// Supported: literals and escapes (\r \n \t \f \v \xHH \x{H..} \uHHHH, escaped punctuation),
// `.`, classes [...] with ranges, negation, \p{..}/\P{..} general categories (L, Lu, N, Nd, ...),
// \s \S \d \D \w \W; groups (...) (?:...) (?i:...) (?i) (?>...); lookahead (?=...) (?!...);
// alternation; quantifiers ? * + {n} {n,} {n,m}, each greedy, lazy (?) or possessive (+);
// anchors ^ $. Anything else (back-references, lookbehind, \b, ...) is rejected when the
// pattern is compiled, so a tokenizer never silently splits differently.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace llmedit {

// Thrown for syntax the engine does not support; the message names the offset.
class RegexError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Regex {
 public:
  explicit Regex(const std::string& pattern);
  static Regex literal(const std::string& text);

  // The end (a code point index) of the match that starts exactly at `start`, or -1.
  // Alternatives are tried in order and the first that succeeds wins (Perl semantics).
  long match_at(const std::vector<uint32_t>& text, size_t start) const;

  // All non-empty, non-overlapping matches as [begin, end) code point indices, leftmost first.
  void find_all(const std::vector<uint32_t>& text, std::vector<std::pair<size_t, size_t>>& matches) const;

  struct CharClass;
  struct Inst;

 private:
  Regex() = default;
  struct Thread {
    uint32_t pc;
    uint32_t pos;
  };
  long run(uint32_t pc, size_t pos, const std::vector<uint32_t>& text, std::vector<Thread>& stack) const;

  std::vector<Inst> program_;
  std::vector<CharClass> classes_;
  friend class RegexCompiler;
};

// ---- implementation details shared by the parser and the matcher ----

struct Regex::CharClass {
  bool negated = false;
  uint32_t categories = 0;      // bit mask over unicode::Category: members
  uint32_t not_categories = 0;  // members are the code points outside these categories
  bool white_space = false;
  bool not_white_space = false;
  std::vector<std::pair<uint32_t, uint32_t>> ranges;
  uint64_t ascii[2] = {0, 0};  // precomputed membership of U+0000..U+007F

  bool contains_slow(uint32_t cp) const;
  void finish();  // fills `ascii`
  bool contains(uint32_t cp) const {
    if (cp < 128) return (ascii[cp >> 6] >> (cp & 63)) & 1;
    return contains_slow(cp);
  }
};

struct Regex::Inst {
  enum class Op : uint8_t { Class, Any, Split, Jump, Match, LookAhead, NegLookAhead, Atomic, LineStart, LineEnd };
  Op op;
  uint32_t a = 0;  // Class: class index; Split: preferred target; Jump: target; sub-programs: start
  uint32_t b = 0;  // Split: other target; sub-programs: where to continue afterwards
};

}  // namespace llmedit
