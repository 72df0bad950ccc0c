// The decoder types the supported tokenizer.json files use, with the token-level semantics of
// Hugging Face `tokenizers` (each step maps a list of strings to a list of strings).
#include "libllmedit/tokenizer/decoder.h"

#include "libllmedit/tokenizer/byte_level.h"
#include "libllmedit/tokenizer/unicode.h"

namespace llmedit {

namespace {

using tokenizer_json::Context;

std::string replace_all(const std::string& text, const std::string& from, const std::string& to) {
  if (from.empty()) return text;
  std::string out;
  size_t pos = 0;
  for (size_t hit; (hit = text.find(from, pos)) != std::string::npos; pos = hit + from.size()) {
    out.append(text, pos, hit - pos);
    out += to;
  }
  out.append(text, pos, std::string::npos);
  return out;
}

// Maps the GPT-2 alphabet back to bytes over all tokens, then reads them as UTF-8 with
// replacement characters. A token with a character outside the alphabet (an added token
// such as "<|im_start|>" written in plain text) contributes its own bytes.
class ByteLevelDecoder : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::string bytes;
    for (const std::string& token : tokens) {
      std::string mapped;
      bool all_mapped = true;
      for (size_t pos = 0; pos < token.size() && all_mapped;) {
        const int byte = byte_level::char_to_byte(unicode::next_code_point(token, pos));
        all_mapped = byte >= 0;
        mapped += static_cast<char>(byte);
      }
      bytes += all_mapped ? mapped : token;
    }
    tokens.assign(1, unicode::from_utf8_lossy(bytes));
  }
};

class ReplaceDecoder : public Decoder {
 public:
  ReplaceDecoder(std::string from, std::string to) : from_(std::move(from)), to_(std::move(to)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (std::string& token : tokens) token = replace_all(token, from_, to_);
  }

 private:
  std::string from_, to_;
};

// Runs of "<0xNN>" tokens become the text of their bytes, or one U+FFFD per byte token when
// the run is not valid UTF-8.
class ByteFallbackDecoder : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::vector<std::string> out;
    std::string pending;
    size_t pending_tokens = 0;
    const auto flush = [&] {
      if (pending_tokens == 0) return;
      if (unicode::is_valid_utf8(pending)) {
        out.push_back(pending);
      } else {
        for (size_t i = 0; i < pending_tokens; ++i) out.emplace_back("\xEF\xBF\xBD");
      }
      pending.clear();
      pending_tokens = 0;
    };
    for (std::string& token : tokens) {
      const int byte = byte_token_value(token);
      if (byte >= 0) {
        pending += static_cast<char>(byte);
        ++pending_tokens;
      } else {
        flush();
        out.push_back(std::move(token));
      }
    }
    flush();
    tokens.swap(out);
  }

 private:
  static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
  static int byte_token_value(const std::string& token) {
    if (token.size() != 6 || token.compare(0, 3, "<0x") != 0 || token[5] != '>') return -1;
    const int high = hex_digit(token[3]), low = hex_digit(token[4]);
    return (high < 0 || low < 0) ? -1 : high * 16 + low;
  }
};

class FuseDecoder : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::string all;
    for (const std::string& token : tokens) all += token;
    tokens.assign(1, all);
  }
};

// Removes up to `start` leading and `stop` trailing copies of one character from each token.
class StripDecoder : public Decoder {
 public:
  StripDecoder(std::string content, size_t start, size_t stop) : content_(std::move(content)), start_(start), stop_(stop) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    const size_t n = content_.size();
    for (std::string& token : tokens) {
      size_t begin = 0, end = token.size();
      for (size_t i = 0; i < start_ && end - begin >= n && token.compare(begin, n, content_) == 0; ++i) begin += n;
      for (size_t i = 0; i < stop_ && end - begin >= n && token.compare(end - n, n, content_) == 0; ++i) end -= n;
      token = token.substr(begin, end - begin);
    }
  }

 private:
  std::string content_;
  size_t start_, stop_;
};

// The replacement character becomes a space; in the first token it is dropped instead when
// the pre-tokenizer prepended one (as `tokenizers` does).
class MetaspaceDecoder : public Decoder {
 public:
  MetaspaceDecoder(std::string replacement, bool drop_in_first) : replacement_(std::move(replacement)), drop_in_first_(drop_in_first) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i)
      tokens[i] = replace_all(tokens[i], replacement_, i == 0 && drop_in_first_ ? "" : " ");
  }

 private:
  std::string replacement_;
  bool drop_in_first_;
};

// BERT's: a token with the continuing prefix joins its left neighbour, any other token after
// the first gets a space before it; with `cleanup`, each token then loses the space before
// punctuation and contractions (tokenizers/src/decoders/wordpiece.rs, applied per token).
class WordPieceDecoder : public Decoder {
 public:
  WordPieceDecoder(std::string prefix, bool cleanup) : prefix_(std::move(prefix)), cleanup_(cleanup) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      std::string& token = tokens[i];
      if (i != 0) {
        if (token.compare(0, prefix_.size(), prefix_) == 0) token.erase(0, prefix_.size());
        else token.insert(0, 1, ' ');
      }
      if (cleanup_) token = cleanup(token);
    }
  }

 private:
  static std::string cleanup(std::string text) {
    static const std::pair<const char*, const char*> kRules[] = {
        {" .", "."},    {" ?", "?"},     {" !", "!"},    {" ,", ","},    {" ' ", "'"},  {" n't", "n't"},
        {" 'm", "'m"}, {" do not", " don't"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
    for (const auto& [from, to] : kRules) text = replace_all(text, from, to);
    return text;
  }

  std::string prefix_;
  bool cleanup_;
};

class SequenceDecoder : public Decoder {
 public:
  explicit SequenceDecoder(std::vector<std::unique_ptr<Decoder>> parts) : parts_(std::move(parts)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (const auto& part : parts_) part->decode_chain(tokens);
  }

 private:
  std::vector<std::unique_ptr<Decoder>> parts_;
};

size_t count_field(const nlohmann::json& spec, const char* key, const Context& ctx) {
  const auto it = spec.find(key);
  if (it == spec.end() || !it->is_number_unsigned()) ctx.at(key).fail("missing or not a non-negative integer");
  return it->get<size_t>();
}

std::unique_ptr<Decoder> make_metaspace_decoder(const nlohmann::json& spec, const Context& ctx) {
  bool prepends = tokenizer_json::bool_field(spec, "add_prefix_space", true, ctx);
  if (spec.contains("prepend_scheme")) prepends = tokenizer_json::string_field(spec, "prepend_scheme", ctx) != "never";
  return std::make_unique<MetaspaceDecoder>(tokenizer_json::string_field(spec, "replacement", ctx), prepends);
}

}  // namespace

std::unique_ptr<Decoder> make_decoder(const nlohmann::json& spec, const Context& ctx) {
  if (spec.is_null()) return nullptr;
  const std::string type = tokenizer_json::type_of(spec, ctx);
  if (type == "ByteLevel") return std::make_unique<ByteLevelDecoder>();
  if (type == "ByteFallback") return std::make_unique<ByteFallbackDecoder>();
  if (type == "Fuse") return std::make_unique<FuseDecoder>();
  if (type == "Metaspace") return make_metaspace_decoder(spec, ctx);
  if (type == "WordPiece") {
    const auto prefix = spec.find("prefix");
    return std::make_unique<WordPieceDecoder>(prefix == spec.end() ? "##" : tokenizer_json::string_field(spec, "prefix", ctx),
                                              tokenizer_json::bool_field(spec, "cleanup", true, ctx));
  }
  if (type == "Strip") {
    return std::make_unique<StripDecoder>(tokenizer_json::string_field(spec, "content", ctx), count_field(spec, "start", ctx),
                                          count_field(spec, "stop", ctx));
  }
  if (type == "Replace") {
    bool is_regex = false;
    std::string pattern = tokenizer_json::pattern_field(spec, ctx, &is_regex);
    if (is_regex) ctx.at("pattern").fail("Replace with a Regex pattern is not supported");
    return std::make_unique<ReplaceDecoder>(std::move(pattern), tokenizer_json::string_field(spec, "content", ctx));
  }
  if (type == "Sequence") {
    const Context list_ctx = ctx.at("decoders");
    const auto it = spec.find("decoders");
    if (it == spec.end() || !it->is_array()) list_ctx.fail("missing or not an array");
    std::vector<std::unique_ptr<Decoder>> parts;
    for (size_t i = 0; i < it->size(); ++i) {
      if (auto part = make_decoder((*it)[i], list_ctx.at(i))) parts.push_back(std::move(part));
    }
    return std::make_unique<SequenceDecoder>(std::move(parts));
  }
  tokenizer_json::unsupported_type(type, ctx);
}

std::string decode_tokens(const Decoder* decoder, std::vector<std::string> tokens) {
  std::string text;
  if (!decoder) {
    for (size_t i = 0; i < tokens.size(); ++i) text += (i ? " " : "") + tokens[i];
    return text;
  }
  decoder->decode_chain(tokens);
  for (const std::string& token : tokens) text += token;
  return text;
}

}  // namespace llmedit
