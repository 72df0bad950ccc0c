// `llmedit tokenize` and `llmedit detokenize`, run as a user would.
#include <catch2/catch.hpp>

#include "tests/cli_runner.h"
#include "tests/test_tokenizer_helpers.h"

using llmedit::test::run_cli;
using llmedit::test::shell_quote;

TEST_CASE("llmedit tokenize / detokenize on a small tokenizer.json", "[tokenizer]") {
  const std::string dir = llmedit::test::write_tokenizer("tok-cli", llmedit::test::tiny_tokenizer_json());
  const std::string tok = " --tokenizer " + shell_quote(dir);

  auto r = run_cli("tokenize" + tok + " --text 'c ac'");
  CHECK(r.exit_code == 0);
  CHECK(r.output == "[3,6,7,6]\n");

  r = run_cli("tokenize" + tok + " --special --text ab");
  CHECK(r.output == "[1,13,2]\n");

  const std::string texts = dir + "/texts.json";
  llmedit::test::write_file(texts, R"(["c ac", "", "xyz"])");
  r = run_cli("tokenize" + tok + " --text-file " + shell_quote(texts));
  CHECK(r.exit_code == 0);
  CHECK(r.output == "[3,6,7,6]\n[]\n[3,0]\n");

  r = run_cli("detokenize" + tok + " --ids 3,6,12,9");
  CHECK(r.exit_code == 0);
  CHECK(r.output == "c<sep> ab\n");
  r = run_cli("detokenize" + tok + " --skip-special --ids 3,6,12,9");
  CHECK(r.output == "c ab\n");
}

TEST_CASE("llmedit tokenize / detokenize report bad use with exit code 2", "[tokenizer]") {
  const std::string dir = llmedit::test::write_tokenizer("tok-cli-errors", llmedit::test::tiny_tokenizer_json());
  const std::string tok = " --tokenizer " + shell_quote(dir);
  CHECK(run_cli("tokenize --tokenizer /nonexistent --text hi").exit_code == 2);
  CHECK(run_cli("tokenize" + tok).exit_code == 2);                                 // no text
  CHECK(run_cli("tokenize" + tok + " --text a --text-file x.json").exit_code == 2);  // both
  llmedit::test::write_file(dir + "/bad.json", R"({"not": "an array"})");
  CHECK(run_cli("tokenize" + tok + " --text-file " + shell_quote(dir + "/bad.json")).exit_code == 2);
  CHECK(run_cli("detokenize" + tok + " --ids 1,x").exit_code == 2);
}

TEST_CASE("llmedit tokenize matches the reference ids of a real tokenizer", "[tokenizer]") {
  llmedit::test::require_shared_or_skip("fixtures/tokenizers");
  const std::string tok = " --tokenizer " + shell_quote(llmedit::test::shared_path("fixtures/tokenizers/llama3"));
  auto r = run_cli("tokenize" + tok + " --text 'Hello, my dog is cute'");
  CHECK(r.exit_code == 0);
  CHECK(r.output == "[9906,11,856,5679,374,19369]\n");
  r = run_cli("detokenize" + tok + " --ids 9906,11,856,5679,374,19369");
  CHECK(r.output == "Hello, my dog is cute\n");
}
