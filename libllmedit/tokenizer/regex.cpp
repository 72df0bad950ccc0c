// Parser, compiler and backtracking matcher for llmedit::Regex (see regex.h).
#include "libllmedit/tokenizer/regex.h"

#include <algorithm>

#include "libllmedit/tokenizer/unicode.h"

namespace llmedit {

using unicode::Category;
using unicode::category_bit;

// ---------------------------------------------------------------- classes

bool Regex::CharClass::contains_slow(uint32_t cp) const {
  bool in = false;
  for (const auto& [first, last] : ranges) {
    if (cp >= first && cp <= last) {
      in = true;
      break;
    }
  }
  if (!in && (categories | not_categories)) {
    const uint32_t bit = category_bit(unicode::category(cp));
    in = (categories & bit) || (not_categories && !(not_categories & bit));
  }
  if (!in && (white_space || not_white_space)) {
    const bool ws = unicode::is_white_space(cp);
    in = (white_space && ws) || (not_white_space && !ws);
  }
  return in != negated;
}

void Regex::CharClass::finish() {
  ascii[0] = ascii[1] = 0;
  for (uint32_t cp = 0; cp < 128; ++cp)
    if (contains_slow(cp)) ascii[cp >> 6] |= uint64_t{1} << (cp & 63);
}

namespace {

using Op = Regex::Inst::Op;

// \w as Oniguruma defines it for Unicode: letters, marks, numbers, connector punctuation.
uint32_t word_categories() {
  return unicode::category_mask("L") | unicode::category_mask("M") | unicode::category_mask("N") |
         category_bit(Category::Pc);
}

struct Node {
  enum class Kind { Empty, Class, Any, Concat, Alternation, Repeat, LookAhead, NegLookAhead, Atomic, LineStart, LineEnd };
  enum class Mode { Greedy, Lazy, Possessive };
  Kind kind = Kind::Empty;
  uint32_t class_index = 0;
  int min = 0, max = -1;  // Repeat bounds; -1: unbounded
  Mode mode = Mode::Greedy;
  std::vector<Node> children;
};

bool nullable(const Node& node) {
  switch (node.kind) {
    case Node::Kind::Class:
    case Node::Kind::Any:
      return false;
    case Node::Kind::Concat:
      return std::all_of(node.children.begin(), node.children.end(), nullable);
    case Node::Kind::Alternation:
      return std::any_of(node.children.begin(), node.children.end(), nullable);
    case Node::Kind::Repeat:
      return node.min == 0 || nullable(node.children[0]);
    case Node::Kind::Atomic:
      return nullable(node.children[0]);
    default:
      return true;  // empty, lookahead, anchors
  }
}

}  // namespace

// Turns the pattern text into a Node tree, then the tree into Regex::program_.
class RegexCompiler {
 public:
  RegexCompiler(Regex& regex, const std::string& pattern) : regex_(regex), source_(pattern) {
    size_t pos = 0;
    while (pos < pattern.size()) {
      // The pattern comes from JSON, so it is valid UTF-8.
      text_.push_back(unicode::next_code_point(pattern, pos));
    }
  }

  void compile() {
    Node root = parse_alternation();
    if (pos_ < text_.size()) fail("unbalanced ')'");
    emit(root);
    regex_.program_.push_back({Op::Match});
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw RegexError(what + " at offset " + std::to_string(pos_) + " of regex '" + source_ + "'");
  }
  bool at_end() const { return pos_ >= text_.size(); }
  uint32_t peek() const { return text_[pos_]; }
  bool accept(uint32_t c) {
    if (at_end() || peek() != c) return false;
    ++pos_;
    return true;
  }

  uint32_t add_class(Regex::CharClass cls) {
    cls.finish();
    regex_.classes_.push_back(std::move(cls));
    return static_cast<uint32_t>(regex_.classes_.size() - 1);
  }

  // Adds cp to a class, with its other cases when (?i) is on. Only ASCII letters fold, plus
  // the two non-ASCII code points whose simple case folding lands on ASCII (U+017F long s,
  // U+212A Kelvin sign): enough for the contractions these patterns match case-insensitively.
  void add_code_point(Regex::CharClass& cls, uint32_t first, uint32_t last) const {
    cls.ranges.emplace_back(first, last);
    if (!case_insensitive_) return;
    for (uint32_t c = std::max<uint32_t>(first, 'A'); c <= std::min<uint32_t>(last, 'z'); ++c) {
      if (c >= 'A' && c <= 'Z') cls.ranges.emplace_back(c + 32, c + 32);
      if (c >= 'a' && c <= 'z') cls.ranges.emplace_back(c - 32, c - 32);
      if (c == 's' || c == 'S') cls.ranges.emplace_back(0x17F, 0x17F);
      if (c == 'k' || c == 'K') cls.ranges.emplace_back(0x212A, 0x212A);
    }
  }

  Node class_node(Regex::CharClass cls) {
    Node node;
    node.kind = Node::Kind::Class;
    node.class_index = add_class(std::move(cls));
    return node;
  }

  Node literal_node(uint32_t cp) {
    Regex::CharClass cls;
    add_code_point(cls, cp, cp);
    return class_node(std::move(cls));
  }

  // ---- parsing ----

  Node parse_alternation() {
    Node alt;
    alt.kind = Node::Kind::Alternation;
    alt.children.push_back(parse_concat());
    while (accept('|')) alt.children.push_back(parse_concat());
    return alt.children.size() == 1 ? std::move(alt.children[0]) : alt;
  }

  Node parse_concat() {
    Node seq;
    seq.kind = Node::Kind::Concat;
    while (!at_end() && peek() != '|' && peek() != ')') {
      Node atom = parse_atom();
      seq.children.push_back(parse_quantifiers(std::move(atom)));
    }
    return seq;
  }

  Node parse_quantifiers(Node atom) {
    if (at_end()) return atom;
    int min = 0, max = -1;
    const uint32_t c = peek();
    if (c == '?') {
      max = 1;
    } else if (c == '*') {
    } else if (c == '+') {
      min = 1;
    } else if (c != '{' || !parse_braces(min, max)) {
      return atom;  // no quantifier ('{' not followed by n}, n,} or n,m} is a literal)
    }
    if (c != '{') ++pos_;
    Node rep;
    rep.kind = Node::Kind::Repeat;
    rep.min = min;
    rep.max = max;
    if (accept('?')) rep.mode = Node::Mode::Lazy;
    else if (accept('+')) rep.mode = Node::Mode::Possessive;
    if (!at_end() && (peek() == '?' || peek() == '*' || peek() == '+' || peek() == '{')) fail("nested quantifier");
    if (max < 0 && nullable(atom)) fail("unbounded repetition of an expression that can match empty");
    rep.children.push_back(std::move(atom));
    return rep;
  }

  // {n}, {n,}, {n,m}; leaves pos_ after '}' and returns true, or returns false untouched.
  bool parse_braces(int& min, int& max) {
    size_t p = pos_ + 1;
    const auto number = [&](int& out) {
      size_t start = p;
      long value = 0;
      while (p < text_.size() && text_[p] >= '0' && text_[p] <= '9' && value < 100000) value = value * 10 + (text_[p++] - '0');
      out = static_cast<int>(value);
      return p > start;
    };
    if (!number(min)) return false;
    max = min;
    if (p < text_.size() && text_[p] == ',') {
      ++p;
      if (!number(max)) max = -1;
    }
    if (p >= text_.size() || text_[p] != '}') return false;
    if (max >= 0 && max < min) fail("quantifier {n,m} with m < n");
    pos_ = p + 1;
    return true;
  }

  Node parse_atom() {
    const uint32_t c = text_[pos_++];
    switch (c) {
      case '(':
        return parse_group();
      case '[':
        return class_node(parse_class());
      case '.': {
        Node any;
        any.kind = Node::Kind::Any;
        return any;
      }
      case '^':
      case '$': {
        Node anchor;
        anchor.kind = c == '^' ? Node::Kind::LineStart : Node::Kind::LineEnd;
        return anchor;
      }
      case '\\': {
        Regex::CharClass cls;
        parse_escape(cls);
        return class_node(std::move(cls));
      }
      case '*':
      case '+':
      case '?':
        --pos_;
        fail("quantifier without anything to repeat");
      default:
        return literal_node(c);
    }
  }

  Node parse_group() {
    const bool saved_case = case_insensitive_;
    Node::Kind kind = Node::Kind::Concat;
    if (accept('?')) {
      if (accept(':')) {
      } else if (accept('=')) {
        kind = Node::Kind::LookAhead;
      } else if (accept('!')) {
        kind = Node::Kind::NegLookAhead;
      } else if (accept('>')) {
        kind = Node::Kind::Atomic;
      } else if (!at_end() && (peek() == 'i' || peek() == '-')) {
        const bool on = !accept('-');
        if (!accept('i')) fail("unsupported group flag");
        if (accept(')')) {  // (?i) applies to the rest of the enclosing group
          case_insensitive_ = on;
          return Node{};
        }
        if (!accept(':')) fail("unsupported group flag");
        case_insensitive_ = on;
      } else {
        fail("unsupported group syntax (lookbehind, named group or flag)");
      }
    }
    Node body = parse_alternation();
    if (!accept(')')) fail("missing ')'");
    case_insensitive_ = saved_case;
    if (kind == Node::Kind::Concat) return body;
    Node group;
    group.kind = kind;
    group.children.push_back(std::move(body));
    return group;
  }

  Regex::CharClass parse_class() {
    Regex::CharClass cls;
    cls.negated = accept('^');
    bool first = true;
    while (true) {
      if (at_end()) fail("missing ']'");
      uint32_t c = text_[pos_++];
      if (c == ']' && !first) break;
      first = false;
      if (c == '[') fail("nested or POSIX classes are not supported");
      if (c == '\\') {
        if (!parse_escape(cls, &c)) continue;  // it was a set such as \s or \p{L}
      }
      // A range a-b, unless '-' is the last character before ']'.
      if (pos_ + 1 < text_.size() && peek() == '-' && text_[pos_ + 1] != ']') {
        ++pos_;
        uint32_t last = text_[pos_++];
        if (last == '\\' && !parse_escape(cls, &last)) fail("a set cannot end a range");
        if (last < c) fail("range out of order");
        add_code_point(cls, c, last);
      } else {
        add_code_point(cls, c, c);
      }
    }
    return cls;
  }

  // One class holds one negated set: [\P{L}\P{N}] (everything) is not expressible as a mask.
  void add_negated_categories(Regex::CharClass& cls, uint32_t mask) {
    if (cls.not_categories) fail("more than one of \\P{..} \\D \\W in one class");
    cls.not_categories = mask;
  }

  // Parses the escape after '\'. A single character goes to *literal (returns true) when
  // literal is given, else into cls; sets (\s, \p{L}, ...) always go into cls (returns false).
  bool parse_escape(Regex::CharClass& cls, uint32_t* literal = nullptr) {
    if (at_end()) fail("pattern ends with '\\'");
    const uint32_t c = text_[pos_++];
    switch (c) {
      case 's': cls.white_space = true; return false;
      case 'S': cls.not_white_space = true; return false;
      case 'd': cls.categories |= category_bit(Category::Nd); return false;
      case 'D': add_negated_categories(cls, category_bit(Category::Nd)); return false;
      case 'w': cls.categories |= word_categories(); return false;
      case 'W': add_negated_categories(cls, word_categories()); return false;
      case 'p':
      case 'P': {
        const uint32_t mask = parse_property();
        if (c == 'p') cls.categories |= mask;
        else add_negated_categories(cls, mask);
        return false;
      }
      default:
        break;
    }
    const uint32_t value = escaped_character(c);
    if (literal) {
      *literal = value;
      return true;
    }
    add_code_point(cls, value, value);
    return false;
  }

  uint32_t escaped_character(uint32_t c) {
    switch (c) {
      case 'n': return '\n';
      case 'r': return '\r';
      case 't': return '\t';
      case 'f': return '\f';
      case 'v': return '\v';
      case 'a': return 0x07;
      case 'e': return 0x1B;
      case 'x': return accept('{') ? parse_hex(8, '}') : parse_hex(2, 0);
      case 'u': return parse_hex(4, 0);
      default:
        break;
    }
    if (c < 128 && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
      --pos_;
      fail("unsupported escape '\\" + std::string(1, static_cast<char>(c)) + "'");
    }
    return c;  // escaped punctuation or any non-ASCII character stands for itself
  }

  uint32_t parse_hex(size_t max_digits, uint32_t terminator) {
    uint32_t value = 0;
    size_t digits = 0;
    while (digits < max_digits && !at_end()) {
      const uint32_t c = peek();
      int v = (c >= '0' && c <= '9') ? int(c - '0') : (c >= 'a' && c <= 'f') ? int(c - 'a' + 10)
                                                   : (c >= 'A' && c <= 'F') ? int(c - 'A' + 10) : -1;
      if (v < 0) break;
      value = value * 16 + static_cast<uint32_t>(v);
      ++digits;
      ++pos_;
    }
    if (digits == 0 || (terminator && !accept(terminator)) || (!terminator && digits != max_digits))
      fail("bad hexadecimal escape");
    if (value > 0x10FFFF) fail("code point out of range");
    return value;
  }

  uint32_t parse_property() {
    std::string name;
    if (accept('{')) {
      while (!at_end() && peek() != '}') name += static_cast<char>(text_[pos_++]);
      if (!accept('}')) fail("missing '}' in \\p{..}");
    } else if (!at_end()) {
      name = static_cast<char>(text_[pos_++]);
    }
    const uint32_t mask = unicode::category_mask(name);
    if (mask == 0) fail("unsupported Unicode property '" + name + "'");
    return mask;
  }

  // ---- code generation ----

  uint32_t here() const { return static_cast<uint32_t>(regex_.program_.size()); }
  uint32_t push(Op op, uint32_t a = 0, uint32_t b = 0) {
    regex_.program_.push_back({op, a, b});
    return here() - 1;
  }

  // A sub-program run on its own: instruction `op` at start, body, Match, then the rest.
  void emit_sub(Op op, const Node& body) {
    const uint32_t at = push(op, here() + 1);
    emit(body);
    push(Op::Match);
    regex_.program_[at].b = here();
  }

  void emit(const Node& node) {
    switch (node.kind) {
      case Node::Kind::Empty: break;
      case Node::Kind::Class: push(Op::Class, node.class_index); break;
      case Node::Kind::Any: push(Op::Any); break;
      case Node::Kind::LineStart: push(Op::LineStart); break;
      case Node::Kind::LineEnd: push(Op::LineEnd); break;
      case Node::Kind::Concat:
        for (const Node& child : node.children) emit(child);
        break;
      case Node::Kind::Alternation: emit_alternation(node); break;
      case Node::Kind::Repeat: emit_repeat(node); break;
      case Node::Kind::LookAhead: emit_sub(Op::LookAhead, node.children[0]); break;
      case Node::Kind::NegLookAhead: emit_sub(Op::NegLookAhead, node.children[0]); break;
      case Node::Kind::Atomic: emit_sub(Op::Atomic, node.children[0]); break;
    }
  }

  void emit_alternation(const Node& node) {
    std::vector<uint32_t> jumps_to_end;
    for (size_t i = 0; i < node.children.size(); ++i) {
      const bool last = i + 1 == node.children.size();
      const uint32_t split = last ? 0 : push(Op::Split, here() + 1);
      emit(node.children[i]);
      if (!last) {
        jumps_to_end.push_back(push(Op::Jump));
        regex_.program_[split].b = here();
      }
    }
    for (uint32_t j : jumps_to_end) regex_.program_[j].a = here();
  }

  // The preferred branch of a split is "one more" for greedy, "stop" for lazy.
  void patch_split(uint32_t at, uint32_t body, uint32_t exit, Node::Mode mode) {
    regex_.program_[at].a = mode == Node::Mode::Lazy ? exit : body;
    regex_.program_[at].b = mode == Node::Mode::Lazy ? body : exit;
  }

  void emit_repeat(const Node& node) {
    if (node.mode == Node::Mode::Possessive) {
      Node greedy = node;
      greedy.mode = Node::Mode::Greedy;
      emit_sub(Op::Atomic, greedy);
      return;
    }
    const Node& body = node.children[0];
    for (int i = 0; i < node.min; ++i) emit(body);
    if (node.max < 0) {
      const uint32_t loop = push(Op::Split);
      emit(body);
      push(Op::Jump, loop);
      patch_split(loop, loop + 1, here(), node.mode);
      return;
    }
    std::vector<uint32_t> splits;
    for (int i = node.min; i < node.max; ++i) {
      splits.push_back(push(Op::Split));
      emit(body);
    }
    for (uint32_t s : splits) patch_split(s, s + 1, here(), node.mode);
  }

  Regex& regex_;
  std::string source_;
  std::vector<uint32_t> text_;
  size_t pos_ = 0;
  bool case_insensitive_ = false;
};

// ---------------------------------------------------------------- Regex

Regex::Regex(const std::string& pattern) { RegexCompiler(*this, pattern).compile(); }

Regex Regex::literal(const std::string& text) {
  std::string escaped;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    const bool plain = u >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!plain && u >= 0x20 && u < 0x7F) escaped += '\\';
    if (!plain && (u < 0x20 || u == 0x7F)) {
      static const char hex[] = "0123456789ABCDEF";
      escaped += "\\x";
      escaped += hex[u >> 4];
      escaped += hex[u & 15];
      continue;
    }
    escaped += c;
  }
  return Regex(escaped);
}

long Regex::run(uint32_t pc, size_t pos, const std::vector<uint32_t>& text, std::vector<Thread>& stack) const {
  const size_t base = stack.size();
  stack.push_back({pc, static_cast<uint32_t>(pos)});
  const size_t n = text.size();
  while (stack.size() > base) {
    pc = stack.back().pc;
    pos = stack.back().pos;
    stack.pop_back();
    bool alive = true;
    while (alive) {
      const Inst& in = program_[pc];
      switch (in.op) {
        case Inst::Op::Class:
          alive = pos < n && classes_[in.a].contains(text[pos]);
          ++pc;
          ++pos;
          break;
        case Inst::Op::Any:
          alive = pos < n && text[pos] != '\n';
          ++pc;
          ++pos;
          break;
        case Inst::Op::Split:
          stack.push_back({in.b, static_cast<uint32_t>(pos)});
          pc = in.a;
          break;
        case Inst::Op::Jump:
          pc = in.a;
          break;
        case Inst::Op::Match:
          stack.resize(base);
          return static_cast<long>(pos);
        case Inst::Op::LookAhead:
        case Inst::Op::NegLookAhead: {
          const bool found = run(in.a, pos, text, stack) >= 0;
          alive = found == (in.op == Inst::Op::LookAhead);
          pc = in.b;
          break;
        }
        case Inst::Op::Atomic: {
          const long end = run(in.a, pos, text, stack);
          alive = end >= 0;
          pos = static_cast<size_t>(std::max(end, 0L));
          pc = in.b;
          break;
        }
        case Inst::Op::LineStart:
          alive = pos == 0 || text[pos - 1] == '\n';
          ++pc;
          break;
        case Inst::Op::LineEnd:
          alive = pos == n || text[pos] == '\n';
          ++pc;
          break;
      }
    }
  }
  return -1;
}

long Regex::match_at(const std::vector<uint32_t>& text, size_t start) const {
  std::vector<Thread> stack;
  return run(0, start, text, stack);
}

void Regex::find_all(const std::vector<uint32_t>& text, std::vector<std::pair<size_t, size_t>>& matches) const {
  matches.clear();
  std::vector<Thread> stack;
  size_t pos = 0;
  while (pos < text.size()) {
    const long end = run(0, pos, text, stack);
    if (end > static_cast<long>(pos)) {
      matches.emplace_back(pos, static_cast<size_t>(end));
      pos = static_cast<size_t>(end);
    } else {
      ++pos;
    }
  }
}

}  // namespace llmedit
