// The normalizer types the supported tokenizer.json files use.
#include "libllmedit/tokenizer/normalizer.h"

#include <vector>

#include "libllmedit/tokenizer/bert_components.h"
#include "libllmedit/tokenizer/unicode.h"

namespace llmedit {

namespace {

using tokenizer_json::Context;

class NfcNormalizer : public Normalizer {
 public:
  std::string normalize(const std::string& text) const override { return unicode::nfc(text); }
};

// Prepends a string to non-empty text (SentencePiece-style "▁" before the first word).
class PrependNormalizer : public Normalizer {
 public:
  explicit PrependNormalizer(std::string prefix) : prefix_(std::move(prefix)) {}
  std::string normalize(const std::string& text) const override { return text.empty() ? text : prefix_ + text; }

 private:
  std::string prefix_;
};

class ReplaceNormalizer : public Normalizer {
 public:
  ReplaceNormalizer(std::string from, std::string to) : from_(std::move(from)), to_(std::move(to)) {}
  std::string normalize(const std::string& text) const override {
    if (from_.empty()) return text;
    std::string out;
    out.reserve(text.size() + text.size() / 4);
    size_t pos = 0;
    for (size_t hit; (hit = text.find(from_, pos)) != std::string::npos; pos = hit + from_.size()) {
      out.append(text, pos, hit - pos);
      out += to_;
    }
    out.append(text, pos, std::string::npos);
    return out;
  }

 private:
  std::string from_, to_;
};

class SequenceNormalizer : public Normalizer {
 public:
  explicit SequenceNormalizer(std::vector<std::unique_ptr<Normalizer>> parts) : parts_(std::move(parts)) {}
  std::string normalize(const std::string& text) const override {
    std::string out = text;
    for (const auto& part : parts_) out = part->normalize(out);
    return out;
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> parts_;
};

}  // namespace

std::unique_ptr<Normalizer> make_normalizer(const nlohmann::json& spec, const Context& ctx) {
  if (spec.is_null()) return nullptr;
  const std::string type = tokenizer_json::type_of(spec, ctx);
  if (type == "NFC") return std::make_unique<NfcNormalizer>();
  if (type == "BertNormalizer") return make_bert_normalizer(spec, ctx);
  if (type == "Prepend") return std::make_unique<PrependNormalizer>(tokenizer_json::string_field(spec, "prepend", ctx));
  if (type == "Replace") {
    bool is_regex = false;
    std::string pattern = tokenizer_json::pattern_field(spec, ctx, &is_regex);
    if (is_regex) ctx.at("pattern").fail("Replace with a Regex pattern is not supported");
    return std::make_unique<ReplaceNormalizer>(std::move(pattern), tokenizer_json::string_field(spec, "content", ctx));
  }
  if (type == "Sequence") {
    const Context list_ctx = ctx.at("normalizers");
    const auto it = spec.find("normalizers");
    if (it == spec.end() || !it->is_array()) list_ctx.fail("missing or not an array");
    std::vector<std::unique_ptr<Normalizer>> parts;
    for (size_t i = 0; i < it->size(); ++i) {
      if (auto part = make_normalizer((*it)[i], list_ctx.at(i))) parts.push_back(std::move(part));
    }
    return std::make_unique<SequenceNormalizer>(std::move(parts));
  }
  tokenizer_json::unsupported_type(type, ctx);
}

}  // namespace llmedit
