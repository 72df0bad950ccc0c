// Unsupported or malformed tokenizer files fail at load with a data error naming the file and
// the field, never by tokenizing differently.
#include "libllmedit/core/error.h"
#include "libllmedit/tokenizer/tokenizer.h"

#include <catch2/catch.hpp>

#include "tests/test_tokenizer_helpers.h"

using Catch::Contains;
using llmedit::test::tiny_tokenizer_json;
using llmedit::test::write_tokenizer;
using nlohmann::json;

namespace {

// Loads `spec` from a temp folder; returns the error message (empty when it loaded).
std::string load_error(const json& spec, const json& config = nullptr) {
  const std::string dir = write_tokenizer("tok-error", spec, config);
  try {
    llmedit::load_tokenizer(dir);
  } catch (const llmedit::Error& e) {
    CHECK(e.kind() == llmedit::ErrorKind::Data);
    CHECK_THAT(e.what(), Contains(dir + "/tokenizer"));
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("tokenizer.json features outside the supported set fail at load naming the field", "[tokenizer]") {
  json spec = tiny_tokenizer_json();
  REQUIRE(load_error(spec).empty());

  SECTION("another model type") {
    spec["model"]["type"] = "Unigram";
    CHECK_THAT(load_error(spec), Contains("model.type") && Contains("Unigram"));
  }
  SECTION("another pre-tokenizer") {
    spec["pre_tokenizer"] = {{"type", "Sequence"}, {"pretokenizers", json::array({json{{"type", "Whitespace"}}})}};
    CHECK_THAT(load_error(spec), Contains("pre_tokenizer.pretokenizers[0].type") && Contains("Whitespace"));
  }
  SECTION("a regex construct the engine lacks") {
    spec["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "(?<=a)b"}}}, {"behavior", "Isolated"}, {"invert", false}};
    CHECK_THAT(load_error(spec), Contains("pre_tokenizer.pattern.Regex") && Contains("lookbehind"));
  }
  SECTION("an unknown split behavior") {
    spec["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"String", " "}}}, {"behavior", "Sideways"}, {"invert", false}};
    CHECK_THAT(load_error(spec), Contains("pre_tokenizer.behavior"));
  }
  SECTION("another normalizer") {
    spec["normalizer"] = {{"type", "NFKC"}};
    CHECK_THAT(load_error(spec), Contains("normalizer.type") && Contains("NFKC"));
  }
  SECTION("another decoder") {
    spec["decoder"] = {{"type", "CTC"}, {"pad_token", "<pad>"}};
    CHECK_THAT(load_error(spec), Contains("decoder.type") && Contains("CTC"));
  }
  SECTION("another post-processor") {
    spec["post_processor"] = {{"type", "Fancy"}};
    CHECK_THAT(load_error(spec), Contains("post_processor.type"));
  }
  SECTION("a template's special token without ids (found by fuzz/tokenizer_fuzz.cpp)") {
    const json single = json::array({{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
                                     {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}});
    spec["post_processor"] = {{"type", "TemplateProcessing"}, {"single", single}, {"special_tokens", {{"<s>", {{"id", "<s>"}}}}}};
    CHECK_THAT(load_error(spec), Contains("post_processor.special_tokens.<s>") && Contains("'ids'"));
    spec["post_processor"]["special_tokens"]["<s>"]["ids"] = json::array({1, "x"});
    CHECK_THAT(load_error(spec), Contains("post_processor.special_tokens.<s>.ids[1]"));
  }
  SECTION("values with line ends stay on one line") {
    spec["normalizer"] = {{"type", "Fancy\nName"}};
    const std::string message = load_error(spec);
    CHECK_THAT(message, Contains("Fancy\\nName"));
    CHECK(message.find('\n') == std::string::npos);
  }
  SECTION("BPE dropout") {
    spec["model"]["dropout"] = 0.1;
    CHECK_THAT(load_error(spec), Contains("model.dropout"));
  }
  SECTION("a merge of tokens missing from the vocabulary") {
    spec["model"]["merges"].push_back("x y");
    CHECK_THAT(load_error(spec), Contains("model.merges[3]"));
  }
  SECTION("a malformed merge") {
    spec["model"]["merges"].push_back("a b c");
    CHECK_THAT(load_error(spec), Contains("model.merges[3]"));
  }
  SECTION("a config token missing from the vocabulary") {
    const std::string message = load_error(spec, {{"eos_token", "<nope>"}});
    CHECK_THAT(message, Contains("tokenizer_config.json") && Contains("eos_token"));
  }
  SECTION("invalid JSON") {
    const std::string dir = llmedit::test::temp_dir("tok-bad-json");
    llmedit::test::write_file(dir + "/tokenizer.json", "{ not json");
    CHECK_THROWS_WITH(llmedit::load_tokenizer(dir), Contains("invalid JSON"));
  }
}

TEST_CASE("load_tokenizer needs a tokenizer.json or tokenizer.model", "[tokenizer]") {
  CHECK_THROWS_WITH(llmedit::load_tokenizer("/nonexistent/tokenizer"), Contains("/nonexistent/tokenizer"));
  const std::string empty = llmedit::test::temp_dir("tok-empty");
  CHECK_THROWS_WITH(llmedit::load_tokenizer(empty), Contains("neither tokenizer.json nor tokenizer.model"));
  llmedit::test::write_file(empty + "/tokenizer.model", "not a model");
  CHECK_THROWS_AS(llmedit::load_tokenizer(empty), llmedit::Error);
}
