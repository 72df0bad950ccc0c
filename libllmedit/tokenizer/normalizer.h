// Normalizers of tokenizer.json: NFC, Prepend, Replace, BertNormalizer and Sequence of them.
#pragma once
#include <memory>
#include <string>

#include "libllmedit/tokenizer/json_context.h"

namespace llmedit {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual std::string normalize(const std::string& text) const = 0;
};

// The "normalizer" value of a tokenizer.json (null gives nullptr). Throws a data error naming
// the field for any type it does not implement.
std::unique_ptr<Normalizer> make_normalizer(const nlohmann::json& spec, const tokenizer_json::Context& ctx);

}  // namespace llmedit
