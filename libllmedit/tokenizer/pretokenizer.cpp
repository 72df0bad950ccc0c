// The pre-tokenizer types the supported tokenizer.json files use, following the splitting
// rules of Hugging Face `tokenizers` (SplitDelimiterBehavior, ByteLevel, Metaspace).
#include "libllmedit/tokenizer/pretokenizer.h"

#include <algorithm>

#include "libllmedit/tokenizer/bert_components.h"
#include "libllmedit/tokenizer/byte_level.h"
#include "libllmedit/tokenizer/regex.h"
#include "libllmedit/tokenizer/unicode.h"

namespace llmedit {

namespace {

using tokenizer_json::Context;

enum class Behavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

Behavior parse_behavior(const std::string& name, const Context& ctx) {
  if (name == "Removed") return Behavior::Removed;
  if (name == "Isolated") return Behavior::Isolated;
  if (name == "MergedWithPrevious") return Behavior::MergedWithPrevious;
  if (name == "MergedWithNext") return Behavior::MergedWithNext;
  if (name == "Contiguous") return Behavior::Contiguous;
  ctx.fail("unsupported split behavior '" + name + "'");
}

struct Span {
  size_t begin, end;  // byte offsets
  bool is_match;
};

// Folds the alternating gaps and matches of one piece into its splits, per behavior.
std::vector<Span> apply_behavior(const std::vector<Span>& spans, Behavior behavior) {
  std::vector<Span> out;
  bool previous_match = false;
  switch (behavior) {
    case Behavior::Isolated:
    case Behavior::Removed:
      for (const Span& s : spans)
        if (behavior == Behavior::Isolated || !s.is_match) out.push_back(s);
      break;
    case Behavior::Contiguous:
      for (const Span& s : spans) {
        if (s.is_match == previous_match && !out.empty()) out.back().end = s.end;
        else out.push_back(s);
        previous_match = s.is_match;
      }
      break;
    case Behavior::MergedWithPrevious:
      for (const Span& s : spans) {
        if (s.is_match && !previous_match && !out.empty()) out.back().end = s.end;
        else out.push_back(s);
        previous_match = s.is_match;
      }
      break;
    case Behavior::MergedWithNext:
      for (auto it = spans.rbegin(); it != spans.rend(); ++it) {
        if (it->is_match && !previous_match && !out.empty()) out.back().begin = it->begin;
        else out.push_back(*it);
        previous_match = it->is_match;
      }
      std::reverse(out.begin(), out.end());
      break;
  }
  return out;
}

class SplitPreTokenizer : public PreTokenizer {
 public:
  SplitPreTokenizer(Regex regex, Behavior behavior, bool invert)
      : regex_(std::move(regex)), behavior_(behavior), invert_(invert) {}

  void split(std::vector<std::string>& pieces, bool) const override {
    std::vector<std::string> out;
    out.reserve(pieces.size() * 2);
    std::vector<uint32_t> cps, offsets;
    std::vector<std::pair<size_t, size_t>> matches;
    std::vector<Span> spans;
    for (const std::string& piece : pieces) {
      unicode::decode_utf8(piece, cps, offsets);
      regex_.find_all(cps, matches);
      spans.clear();
      size_t last = 0;
      for (const auto& [begin, end] : matches) {
        if (begin > last) spans.push_back({offsets[last], offsets[begin], invert_});
        spans.push_back({offsets[begin], offsets[end], !invert_});
        last = end;
      }
      if (last < cps.size()) spans.push_back({offsets[last], offsets[cps.size()], invert_});
      for (const Span& s : apply_behavior(spans, behavior_))
        if (s.end > s.begin) out.push_back(piece.substr(s.begin, s.end - s.begin));
    }
    pieces.swap(out);
  }

 private:
  Regex regex_;
  Behavior behavior_;
  bool invert_;
};

// Maps bytes to GPT-2's printable alphabet, optionally after GPT-2's own split.
class ByteLevelPreTokenizer : public PreTokenizer {
 public:
  ByteLevelPreTokenizer(bool add_prefix_space, bool use_regex) : add_prefix_space_(add_prefix_space) {
    if (use_regex) gpt2_split_ = std::make_unique<SplitPreTokenizer>(Regex(byte_level::kGpt2Pattern), Behavior::Isolated, false);
  }

  void split(std::vector<std::string>& pieces, bool at_text_start) const override {
    if (add_prefix_space_) {
      for (std::string& piece : pieces)
        if (piece.empty() || piece[0] != ' ') piece.insert(0, 1, ' ');
    }
    if (gpt2_split_) gpt2_split_->split(pieces, at_text_start);
    for (std::string& piece : pieces) piece = byte_level::encode(piece);
  }

 private:
  bool add_prefix_space_;
  std::unique_ptr<SplitPreTokenizer> gpt2_split_;
};

// SentencePiece-style: spaces become the replacement character ("▁"), a prefix "▁" is added
// per prepend_scheme, and with `split` each "▁" starts a new word.
class MetaspacePreTokenizer : public PreTokenizer {
 public:
  enum class Prepend { Always, First, Never };
  MetaspacePreTokenizer(std::string replacement, Prepend prepend, bool split)
      : replacement_(std::move(replacement)), prepend_(prepend) {
    if (split) split_ = std::make_unique<SplitPreTokenizer>(Regex::literal(replacement_), Behavior::MergedWithNext, false);
  }

  void split(std::vector<std::string>& pieces, bool at_text_start) const override {
    for (size_t i = 0; i < pieces.size(); ++i) {
      std::string& piece = pieces[i];
      std::string replaced;
      for (char c : piece) {
        if (c == ' ') replaced += replacement_;
        else replaced += c;
      }
      const bool wants_prefix = prepend_ == Prepend::Always || (prepend_ == Prepend::First && at_text_start && i == 0);
      if (wants_prefix && replaced.compare(0, replacement_.size(), replacement_) != 0) replaced.insert(0, replacement_);
      piece.swap(replaced);
    }
    if (split_) split_->split(pieces, at_text_start);
  }

 private:
  std::string replacement_;
  Prepend prepend_;
  std::unique_ptr<SplitPreTokenizer> split_;
};

class SequencePreTokenizer : public PreTokenizer {
 public:
  explicit SequencePreTokenizer(std::vector<std::unique_ptr<PreTokenizer>> parts) : parts_(std::move(parts)) {}
  void split(std::vector<std::string>& pieces, bool at_text_start) const override {
    for (const auto& part : parts_) part->split(pieces, at_text_start);
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> parts_;
};

std::unique_ptr<PreTokenizer> make_split(const nlohmann::json& spec, const Context& ctx) {
  bool is_regex = false;
  const std::string pattern = tokenizer_json::pattern_field(spec, ctx, &is_regex);
  const Behavior behavior = parse_behavior(tokenizer_json::string_field(spec, "behavior", ctx), ctx.at("behavior"));
  const bool invert = tokenizer_json::bool_field(spec, "invert", false, ctx);
  try {
    return std::make_unique<SplitPreTokenizer>(is_regex ? Regex(pattern) : Regex::literal(pattern), behavior, invert);
  } catch (const RegexError& e) {
    ctx.at("pattern.Regex").fail(e.what());
  }
}

std::unique_ptr<PreTokenizer> make_metaspace(const nlohmann::json& spec, const Context& ctx) {
  const std::string replacement = tokenizer_json::string_field(spec, "replacement", ctx);
  MetaspacePreTokenizer::Prepend prepend = MetaspacePreTokenizer::Prepend::Always;
  if (spec.contains("prepend_scheme")) {
    const std::string scheme = tokenizer_json::string_field(spec, "prepend_scheme", ctx);
    if (scheme == "first") prepend = MetaspacePreTokenizer::Prepend::First;
    else if (scheme == "never") prepend = MetaspacePreTokenizer::Prepend::Never;
    else if (scheme != "always") ctx.at("prepend_scheme").fail("unsupported value '" + scheme + "'");
  } else if (!tokenizer_json::bool_field(spec, "add_prefix_space", true, ctx)) {
    prepend = MetaspacePreTokenizer::Prepend::Never;  // files older than prepend_scheme
  }
  return std::make_unique<MetaspacePreTokenizer>(replacement, prepend, tokenizer_json::bool_field(spec, "split", true, ctx));
}

}  // namespace

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const nlohmann::json& spec, const Context& ctx) {
  if (spec.is_null()) return nullptr;
  const std::string type = tokenizer_json::type_of(spec, ctx);
  if (type == "Split") return make_split(spec, ctx);
  if (type == "ByteLevel") {
    return std::make_unique<ByteLevelPreTokenizer>(tokenizer_json::bool_field(spec, "add_prefix_space", true, ctx),
                                                   tokenizer_json::bool_field(spec, "use_regex", true, ctx));
  }
  if (type == "Metaspace") return make_metaspace(spec, ctx);
  if (type == "BertPreTokenizer") return make_bert_pre_tokenizer();
  if (type == "Sequence") {
    const Context list_ctx = ctx.at("pretokenizers");
    const auto it = spec.find("pretokenizers");
    if (it == spec.end() || !it->is_array()) list_ctx.fail("missing or not an array");
    std::vector<std::unique_ptr<PreTokenizer>> parts;
    for (size_t i = 0; i < it->size(); ++i) {
      if (auto part = make_pre_tokenizer((*it)[i], list_ctx.at(i))) parts.push_back(std::move(part));
    }
    return std::make_unique<SequencePreTokenizer>(std::move(parts));
  }
  tokenizer_json::unsupported_type(type, ctx);
}

}  // namespace llmedit
