// Shared by the tokenizer tests: a small tokenizer.json written on the fly (so these tests
// need no fixtures) and JSON-lines reading. Running the CLI: tests/cli_runner.h.
#pragma once
#include <nlohmann/json.hpp>

#include <fstream>
#include <string>
#include <vector>

#include "tests/fixtures.h"

namespace llmedit::test {

// A SentencePiece-style BPE: Metaspace pre-tokenizer and decoder, byte fallback, fused <unk>,
// added tokens "<sep>" (special, lstrip + rstrip) and "ab" (single_word), "<s> $A </s>".
inline nlohmann::json tiny_tokenizer_json() {
  using nlohmann::json;
  json vocab = {{"<unk>", 0}, {"<s>", 1},  {"</s>", 2}, {"\xE2\x96\x81", 3}, {"a", 4},       {"b", 5},
                {"c", 6},     {"\xE2\x96\x81" "a", 7}, {"ab", 8}, {"\xE2\x96\x81" "ab", 9}, {"<0xC3>", 10}, {"<0xA9>", 11}};
  json added = json::array();
  const auto token = [](int id, const char* content, bool special, bool lstrip, bool rstrip, bool single_word) {
    return json{{"id", id},         {"content", content}, {"single_word", single_word}, {"lstrip", lstrip},
                {"rstrip", rstrip}, {"normalized", false}, {"special", special}};
  };
  added.push_back(token(0, "<unk>", true, false, false, false));
  added.push_back(token(1, "<s>", true, false, false, false));
  added.push_back(token(2, "</s>", true, false, false, false));
  added.push_back(token(12, "<sep>", true, true, true, false));
  added.push_back(token(13, "ab", false, false, false, true));
  return json{
      {"version", "1.0"},
      {"added_tokens", added},
      {"normalizer", nullptr},
      {"pre_tokenizer", {{"type", "Metaspace"}, {"replacement", "\xE2\x96\x81"}, {"prepend_scheme", "always"}, {"split", true}}},
      {"post_processor",
       {{"type", "TemplateProcessing"},
        {"single", json::array({json{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}}, json{{"Sequence", {{"id", "A"}, {"type_id", 0}}}},
                                json{{"SpecialToken", {{"id", "</s>"}, {"type_id", 0}}}}})},
        {"special_tokens", {{"<s>", {{"id", "<s>"}, {"ids", {1}}, {"tokens", {"<s>"}}}}, {"</s>", {{"id", "</s>"}, {"ids", {2}}, {"tokens", {"</s>"}}}}}}}},
      {"decoder", {{"type", "Sequence"}, {"decoders", json::array({json{{"type", "ByteFallback"}}, json{{"type", "Metaspace"}, {"replacement", "\xE2\x96\x81"}, {"prepend_scheme", "always"}, {"split", true}}})}}},
      {"model",
       {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", "<unk>"}, {"fuse_unk", true}, {"byte_fallback", true},
        {"vocab", vocab}, {"merges", json::array({"a b", json::array({"\xE2\x96\x81", "a"}), "\xE2\x96\x81 ab"})}}},
  };
}

inline void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// Writes `json` as dir/tokenizer.json (and a config when given); returns dir.
inline std::string write_tokenizer(const std::string& name, const nlohmann::json& json,
                                   const nlohmann::json& config = nullptr) {
  const std::string dir = temp_dir(name);
  write_file(dir + "/tokenizer.json", json.dump());
  if (!config.is_null()) write_file(dir + "/tokenizer_config.json", config.dump());
  return dir;
}

inline std::vector<nlohmann::json> read_json_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

}  // namespace llmedit::test
