// Reading tokenizer.json / tokenizer_config.json with errors that name the file and field.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

#include "libllmedit/core/error.h"

namespace llmedit::tokenizer_json {

using json = nlohmann::json;

// The file and the path of a value inside it, e.g. "pre_tokenizer.pretokenizers[0].type".
struct Context {
  std::string file;
  std::string field;

  Context at(const std::string& key) const { return {file, field.empty() ? key : field + "." + key}; }
  Context at(size_t index) const { return {file, field + "[" + std::to_string(index) + "]"}; }
  // Values from the file (token strings, keys) may hold line ends; errors stay on one line.
  [[noreturn]] void fail(const std::string& what) const {
    std::string message = file + ": " + (field.empty() ? "" : "field '" + field + "': ") + what;
    std::string line;
    for (char c : message) line += c == '\n' ? std::string("\\n") : c == '\r' ? std::string("\\r") : std::string(1, c);
    throw data_error(line);
  }
};

// A required string member.
inline std::string string_field(const json& object, const std::string& key, const Context& ctx) {
  const auto it = object.find(key);
  if (it == object.end() || !it->is_string()) ctx.at(key).fail("missing or not a string");
  return it->get<std::string>();
}

// An optional boolean member; null counts as absent.
inline bool bool_field(const json& object, const std::string& key, bool fallback, const Context& ctx) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) ctx.at(key).fail("not a boolean");
  return it->get<bool>();
}

// The "type" of a component object (normalizer, pre-tokenizer, decoder, ...).
inline std::string type_of(const json& component, const Context& ctx) {
  if (!component.is_object()) ctx.fail("not an object");
  return string_field(component, "type", ctx);
}

// A token id: a non-negative integer below 2^31 (Hugging Face stores u32; no real vocabulary
// comes near 2^31) that leaves at most kMaxUnusedIds ids unused below it in a vocabulary of
// `entries` tokens. Vocabularies are read into dense id -> token tables and the vocabulary size
// sizes embeddings, so a file of a few bytes ({"x": 2000000000}) would otherwise allocate tens
// of gigabytes.
constexpr int64_t kMaxUnusedIds = 1 << 20;
inline int64_t token_id(const json& id, size_t entries, const Context& ctx) {
  if (!id.is_number_unsigned() || id.get<uint64_t>() > 0x7FFFFFFF)
    ctx.fail("id " + (id.is_number() ? id.dump() : std::string("of type ") + id.type_name()) +
             " is not an integer in [0, 2147483647]");
  const int64_t value = id.get<int64_t>();
  if (value >= static_cast<int64_t>(entries) + kMaxUnusedIds)
    ctx.fail("id " + std::to_string(value) + " leaves more than " + std::to_string(kMaxUnusedIds) +
             " ids unused in a vocabulary of " + std::to_string(entries) + " entries");
  return value;
}

[[noreturn]] inline void unsupported_type(const std::string& type, const Context& ctx) {
  ctx.at("type").fail("unsupported type '" + type + "'");
}

// Replace/Split patterns: {"String": "..."} or {"Regex": "..."}; returns the kind in *is_regex.
inline std::string pattern_field(const json& object, const Context& ctx, bool* is_regex) {
  const Context pctx = ctx.at("pattern");
  const auto it = object.find("pattern");
  if (it == object.end() || !it->is_object()) pctx.fail("missing or not an object");
  if (it->contains("String")) {
    *is_regex = false;
    return string_field(*it, "String", pctx);
  }
  if (it->contains("Regex")) {
    *is_regex = true;
    return string_field(*it, "Regex", pctx);
  }
  pctx.fail("neither 'String' nor 'Regex'");
}

}  // namespace llmedit::tokenizer_json
