// Exactness against the reference vectors: every id of every fixture string, its decode, and
// decode(encode(s)) == s wherever the reference decode gives s back.
#include "libllmedit/tokenizer/tokenizer.h"

#include <catch2/catch.hpp>

#include <sstream>

#include "tests/test_tokenizer_helpers.h"

using llmedit::test::read_json_lines;
using llmedit::test::require_shared_or_skip;
using llmedit::test::shared_path;

namespace {

struct VectorReport {
  size_t lines = 0;
  size_t id_mismatches = 0;
  size_t decode_mismatches = 0;
  size_t round_trips = 0;
  size_t round_trip_mismatches = 0;
  std::ostringstream examples;  // the first few failures

  std::string summary(const std::string& name) const {
    std::ostringstream out;
    out << name << ": " << lines << " lines, " << id_mismatches << " id mismatches, " << decode_mismatches
        << " decode mismatches, " << round_trip_mismatches << " of " << round_trips << " round trips differ\n"
        << examples.str();
    return out.str();
  }
};

void note(VectorReport& report, size_t& counter, const std::string& what, const nlohmann::json& text,
          const nlohmann::json& want, const nlohmann::json& got) {
  if (counter++ < 3) report.examples << "  " << what << " " << text.dump() << "\n    want " << want.dump() << "\n    got  " << got.dump() << "\n";
}

void check_vectors(const std::string& name) {
  require_shared_or_skip("fixtures/tokenizers");
  const auto tokenizer = llmedit::load_tokenizer(shared_path("fixtures/tokenizers/" + name));
  VectorReport report;
  for (const auto& line : read_json_lines(shared_path("fixtures/tokenizers/vectors/" + name + ".public.jsonl"))) {
    ++report.lines;
    const std::string text = line.at("text");
    const std::string decoded = line.at("decoded");
    const auto want = line.at("ids").get<std::vector<int64_t>>();
    const auto got = tokenizer->encode(text, false);
    if (got != want) note(report, report.id_mismatches, "ids of", text, want, got);
    const std::string got_decoded = tokenizer->decode(want);
    if (got_decoded != decoded) note(report, report.decode_mismatches, "decode of", text, decoded, got_decoded);
    if (decoded == text) {
      ++report.round_trips;
      const std::string round_trip = tokenizer->decode(got);
      if (round_trip != text) note(report, report.round_trip_mismatches, "round trip of", text, text, round_trip);
    }
  }
  INFO(report.summary(name));
  CHECK(report.lines == 123);
  CHECK(report.id_mismatches == 0);
  CHECK(report.decode_mismatches == 0);
  CHECK(report.round_trip_mismatches == 0);
}

}  // namespace

TEST_CASE("llama3 tokenizer.json gives the reference ids and decodes", "[tokenizer]") { check_vectors("llama3"); }

TEST_CASE("qwen3 tokenizer.json gives the reference ids and decodes", "[tokenizer]") { check_vectors("qwen3"); }

TEST_CASE("mistral tokenizer.json gives the reference ids and decodes", "[tokenizer]") { check_vectors("mistral"); }

TEST_CASE("llama2 SentencePiece model gives the reference ids and decodes", "[tokenizer][spm]") { check_vectors("llama2-spm"); }

TEST_CASE("special token ids and add_special_tokens follow the tokenizer files", "[tokenizer][spm]") {
  require_shared_or_skip("fixtures/tokenizers");
  const auto path = [](const std::string& name) { return shared_path("fixtures/tokenizers/" + name); };

  SECTION("llama3: BOS/EOS from tokenizer_config.json; its ByteLevel post-processor adds nothing") {
    const auto tok = llmedit::load_tokenizer(path("llama3"));
    CHECK(tok->bos_id() == 128000);
    CHECK(tok->eos_id() == 128001);
    CHECK(tok->pad_id() == -1);
    CHECK(tok->vocab_size() == 128256);
    CHECK(tok->encode("Hello", true) == tok->encode("Hello", false));
    CHECK(tok->id_to_piece(128009) == "<|eot_id|>");
    CHECK(tok->piece_to_id("<|eot_id|>") == 128009);
    CHECK(tok->piece_to_id("no such piece") == -1);
    CHECK(tok->decode({128000, 9906}, true) == "Hello");
  }
  SECTION("qwen3: no BOS, EOS <|im_end|>, PAD <|endoftext|>") {
    const auto tok = llmedit::load_tokenizer(path("qwen3"));
    CHECK(tok->bos_id() == -1);
    CHECK(tok->eos_id() == 151645);
    CHECK(tok->pad_id() == 151643);
    CHECK(tok->encode("Hello", true) == tok->encode("Hello", false));
  }
  SECTION("mistral: add_bos_token puts <s> first") {
    const auto tok = llmedit::load_tokenizer(path("mistral"));
    const auto plain = tok->encode("Hello", false);
    auto with_bos = std::vector<int64_t>{1};
    with_bos.insert(with_bos.end(), plain.begin(), plain.end());
    CHECK(tok->encode("Hello", true) == with_bos);
    CHECK(tok->bos_id() == 1);
    CHECK(tok->eos_id() == 2);
  }
  SECTION("llama2 SentencePiece: BOS by default, also when loaded from the .model path") {
    const auto tok = llmedit::load_tokenizer(path("llama2-spm/tokenizer.model"));
    CHECK(tok->bos_id() == 1);
    CHECK(tok->eos_id() == 2);
    CHECK(tok->vocab_size() == 32000);
    const auto ids = tok->encode("Hello", true);
    REQUIRE(!ids.empty());
    CHECK(ids.front() == 1);
    CHECK(tok->decode(ids) == "<s> Hello");  // as the tokenizer.json of the same model decodes
    CHECK(tok->decode(ids, true) == "Hello");
    CHECK(tok->piece_to_id("<s>") == 1);
    CHECK(tok->piece_to_id("no such piece") == -1);
  }
}
