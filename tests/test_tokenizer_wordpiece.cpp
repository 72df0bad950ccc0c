// The WordPiece tokenizer (BertNormalizer, BertPreTokenizer, WordPiece model and decoder,
// pair templates): exact ids, type ids and decodes of ../shared's wordpiece-bert vectors, and
// the parts on a small tokenizer.json written on the fly.
#include "libllmedit/core/error.h"
#include "libllmedit/tokenizer/tokenizer.h"
#include "libllmedit/tokenizer/unicode.h"
#include "libllmedit/tokenizer/unicode_case.h"

#include <catch2/catch.hpp>

#include <sstream>

#include "tests/test_tokenizer_helpers.h"

using llmedit::test::read_json_lines;
using llmedit::test::require_shared_or_skip;
using llmedit::test::shared_path;
using nlohmann::json;

namespace {

using Ids = std::vector<int64_t>;

const char* const kFixture = "fixtures/tokenizers/wordpiece-bert";

// Counts mismatches and keeps the first few for the failure message.
struct Mismatches {
  size_t count = 0;
  std::ostringstream examples;
  void note(const std::string& what, const json& input, const json& want, const json& got) {
    if (count++ < 3) examples << "  " << what << " " << input.dump() << "\n    want " << want.dump() << "\n    got  " << got.dump() << "\n";
  }
};

// A BERT-style tokenizer.json: vocabulary {[PAD] [UNK] [CLS] [SEP] the un ##aff ##able . , ' s
// cafe 中 hello}, lower-casing BertNormalizer, [CLS] A [SEP] B [SEP] template.
json tiny_wordpiece_json() {
  const std::vector<std::string> tokens = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "the", "un", "##aff", "##able", ".",
                                           ",", "'", "s", "cafe", "\xE4\xB8\xAD", "hello", "##s"};
  json vocab = json::object();
  for (size_t i = 0; i < tokens.size(); ++i) vocab[tokens[i]] = i;
  json added = json::array();
  for (int id = 0; id < 4; ++id)
    added.push_back({{"id", id}, {"content", tokens[static_cast<size_t>(id)]}, {"single_word", false}, {"lstrip", false},
                     {"rstrip", false}, {"normalized", false}, {"special", true}});
  const auto special = [](const char* id, int type_id) { return json{{"SpecialToken", {{"id", id}, {"type_id", type_id}}}}; };
  const auto sequence = [](const char* id, int type_id) { return json{{"Sequence", {{"id", id}, {"type_id", type_id}}}}; };
  return json{
      {"version", "1.0"},
      {"added_tokens", added},
      {"normalizer", {{"type", "BertNormalizer"}, {"clean_text", true}, {"handle_chinese_chars", true}, {"strip_accents", nullptr}, {"lowercase", true}}},
      {"pre_tokenizer", {{"type", "BertPreTokenizer"}}},
      {"post_processor",
       {{"type", "TemplateProcessing"},
        {"single", json::array({special("[CLS]", 0), sequence("A", 0), special("[SEP]", 0)})},
        {"pair", json::array({special("[CLS]", 0), sequence("A", 0), special("[SEP]", 0), sequence("B", 1), special("[SEP]", 1)})},
        {"special_tokens", {{"[CLS]", {{"id", "[CLS]"}, {"ids", {2}}, {"tokens", {"[CLS]"}}}}, {"[SEP]", {{"id", "[SEP]"}, {"ids", {3}}, {"tokens", {"[SEP]"}}}}}}}},
      {"decoder", {{"type", "WordPiece"}, {"prefix", "##"}, {"cleanup", true}}},
      {"model", {{"type", "WordPiece"}, {"unk_token", "[UNK]"}, {"continuing_subword_prefix", "##"}, {"max_input_chars_per_word", 9}, {"vocab", vocab}}},
  };
}

std::unique_ptr<llmedit::Tokenizer> load_json(const std::string& name, const json& spec) {
  return llmedit::load_tokenizer(llmedit::test::write_tokenizer(name, spec));
}

}  // namespace

TEST_CASE("wordpiece-bert tokenizer.json gives the reference ids and decodes", "[tokenizer][wordpiece]") {
  require_shared_or_skip(kFixture);
  const auto tokenizer = llmedit::load_tokenizer(shared_path(kFixture));
  Mismatches ids, decodes;
  size_t lines = 0;
  for (const auto& line : read_json_lines(shared_path("fixtures/tokenizers/vectors/wordpiece-bert.public.jsonl"))) {
    ++lines;
    const std::string text = line.at("text");
    const auto want = line.at("ids").get<Ids>();
    const Ids got = tokenizer->encode(text, true);
    if (got != want) ids.note("ids of", text, want, got);
    // The reference decodes skip special tokens ([CLS], [SEP], and [UNK], which is special here).
    const std::string decoded = tokenizer->decode(want, true);
    if (decoded != line.at("decoded").get<std::string>()) decodes.note("decode of", text, line.at("decoded"), decoded);
  }
  INFO(ids.count << " id mismatches\n" << ids.examples.str() << decodes.count << " decode mismatches\n" << decodes.examples.str());
  CHECK(lines == 123);
  CHECK(ids.count == 0);
  CHECK(decodes.count == 0);
}

TEST_CASE("wordpiece-bert pairs give the reference ids and type ids", "[tokenizer][wordpiece]") {
  require_shared_or_skip(kFixture);
  const auto tokenizer = llmedit::load_tokenizer(shared_path(kFixture));
  Mismatches ids, types;
  size_t lines = 0;
  for (const auto& line : read_json_lines(shared_path("fixtures/tokenizers/vectors/wordpiece-bert.pairs.public.jsonl"))) {
    ++lines;
    const json input = {line.at("text"), line.at("text_pair")};
    const llmedit::PairEncoding got = tokenizer->encode_pair(line.at("text"), line.at("text_pair"));
    if (got.ids != line.at("ids").get<Ids>()) ids.note("ids of", input, line.at("ids"), got.ids);
    if (got.type_ids != line.at("type_ids").get<Ids>()) types.note("type ids of", input, line.at("type_ids"), got.type_ids);
  }
  INFO(ids.count << " id mismatches\n" << ids.examples.str() << types.count << " type id mismatches\n" << types.examples.str());
  CHECK(lines == 61);
  CHECK(ids.count == 0);
  CHECK(types.count == 0);
}

TEST_CASE("wordpiece-bert special tokens come from its files", "[tokenizer][wordpiece]") {
  require_shared_or_skip(kFixture);
  const auto tok = llmedit::load_tokenizer(shared_path(kFixture));
  CHECK(tok->vocab_size() == 996);
  CHECK(tok->pad_id() == 0);
  CHECK(tok->piece_to_id("[CLS]") == 2);
  CHECK(tok->encode("[CLS] hello", false) == Ids{2, 495});  // special tokens match in the raw text
  CHECK(tok->decode({2, 495, 3}) == "[CLS] hello [SEP]");
}

TEST_CASE("WordPiece: longest match first, ## continuations, unknown words", "[tokenizer][wordpiece]") {
  const auto tok = load_json("wp-model", tiny_wordpiece_json());
  CHECK(tok->encode("unaffable", false) == Ids{5, 6, 7});
  CHECK(tok->encode("the unaffable.", true) == Ids{2, 4, 5, 6, 7, 8, 3});
  CHECK(tok->encode("unaffablex", false) == Ids{1});  // one uncovered position: the whole word
  CHECK(tok->encode("the hellos", false) == Ids{4, 14, 15});
  CHECK(tok->encode("unaffables", false) == Ids{1});  // 10 characters > max_input_chars_per_word = 9
  CHECK(tok->decode({2, 4, 5, 6, 7, 8, 3}, true) == "the unaffable.");
  CHECK(tok->decode({2, 4, 5, 6, 7, 8, 3}) == "[CLS] the unaffable. [SEP]");
  CHECK(tok->decode({14, 10, 11}) == "hello ' s");  // cleanup works token by token
}

TEST_CASE("BertNormalizer: control characters, white space, CJK, accents, case", "[tokenizer][wordpiece]") {
  const auto tok = load_json("wp-norm", tiny_wordpiece_json());
  CHECK(tok->encode("THE\tHello\xE2\x80\x8B", false) == Ids{4, 14});             // tab splits, ZWSP (Cf) is dropped
  CHECK(tok->encode("Caf\xC3\xA9", false) == Ids{12});                           // é -> e
  CHECK(tok->encode("the\xE4\xB8\xADthe", false) == Ids{4, 13, 4});                // 中 is cut out
  CHECK(tok->encode("hello,the", false) == Ids{14, 9, 4});                        // punctuation is its own word
  CHECK(tok->encode(std::string("\xC3\xA9\0 the", 7), false) == Ids{1, 4});          // NUL dropped; "e" is not in the vocabulary

  json keep_case = tiny_wordpiece_json();
  keep_case["normalizer"]["lowercase"] = false;  // strip_accents null follows lowercase
  const auto cased = load_json("wp-cased", keep_case);
  CHECK(cased->encode("The the", false) == Ids{1, 4});
  CHECK(cased->encode("caf\xC3\xA9", false) == Ids{1});
}

TEST_CASE("Unicode lower-casing and NFD for the BERT normalizer", "[tokenizer][wordpiece]") {
  namespace u = llmedit::unicode;
  CHECK(u::lowercase("ABC \xC3\x89\xC3\x85 \xCE\xA3\xCE\x9A") == "abc \xC3\xA9\xC3\xA5 \xCF\x83\xCE\xBA");  // ÉÅ ΣΚ
  CHECK(u::lowercase("\xC4\xB0") == "i\xCC\x87");                                               // İ -> i + dot above
  CHECK(u::lowercase("\xC4\x80\xC4\x81\xE1\xBA\x9E") == "\xC4\x81\xC4\x81\xC3\x9F");          // Āā ẞ -> āā ß
  CHECK(u::lowercase("\xF0\x90\x90\x80") == "\xF0\x90\x90\xA8");                              // Deseret 𐐀 -> 𐐨
  CHECK(u::nfd("\xC3\xA9") == "e\xCC\x81");
  CHECK(u::nfd("\xEA\xB0\x81") == "\xE1\x84\x80\xE1\x85\xA1\xE1\x86\xA8");  // 각 -> jamo
  CHECK(u::nfd("plain") == "plain");
}

TEST_CASE("pair encodings follow the post-processor's pair template", "[tokenizer][wordpiece]") {
  using llmedit::PairEncoding;
  json spec = tiny_wordpiece_json();
  SECTION("TemplateProcessing") {
    const PairEncoding p = load_json("wp-pair", spec)->encode_pair("the", "hello .");
    CHECK(p.ids == Ids{2, 4, 3, 14, 8, 3});
    CHECK(p.type_ids == Ids{0, 0, 0, 1, 1, 1});
    const PairEncoding plain = load_json("wp-pair-plain", spec)->encode_pair("the", "hello", false);
    CHECK(plain.ids == Ids{4, 14});
    CHECK(plain.type_ids == Ids{0, 1});
  }
  SECTION("BertProcessing") {
    spec["post_processor"] = {{"type", "BertProcessing"}, {"cls", {"[CLS]", 2}}, {"sep", {"[SEP]", 3}}};
    const PairEncoding p = load_json("wp-bertproc", spec)->encode_pair("the", "hello");
    CHECK(p.ids == Ids{2, 4, 3, 14, 3});
    CHECK(p.type_ids == Ids{0, 0, 0, 1, 1});
  }
  SECTION("RobertaProcessing: both separators, every type id 0") {
    spec["post_processor"] = {{"type", "RobertaProcessing"}, {"cls", {"[CLS]", 2}}, {"sep", {"[SEP]", 3}}, {"trim_offsets", true}, {"add_prefix_space", false}};
    const PairEncoding p = load_json("wp-robertaproc", spec)->encode_pair("the", "hello");
    CHECK(p.ids == Ids{2, 4, 3, 3, 14, 3});
    CHECK(p.type_ids == Ids{0, 0, 0, 0, 0, 0});
  }
  SECTION("a template without a pair layout") {
    spec["post_processor"].erase("pair");
    CHECK_THROWS_AS(load_json("wp-nopair", spec)->encode_pair("the", "hello"), llmedit::Error);
  }
}

TEST_CASE("WordPiece files with a broken model fail at load naming the field", "[tokenizer][wordpiece]") {
  json spec = tiny_wordpiece_json();
  SECTION("unknown token missing from the vocabulary") {
    spec["model"]["unk_token"] = "<unk>";
    CHECK_THROWS_WITH(load_json("wp-bad-unk", spec), Catch::Contains("model.unk_token"));
  }
  SECTION("a vocabulary id that is not a number") {
    spec["model"]["vocab"]["the"] = "four";
    CHECK_THROWS_WITH(load_json("wp-bad-vocab", spec), Catch::Contains("model.vocab.the"));
  }
  SECTION("a vocabulary id that leaves over a million ids unused") {
    spec["model"]["vocab"]["the"] = 3000000;
    CHECK_THROWS_WITH(load_json("wp-sparse-vocab", spec), Catch::Contains("model.vocab.the") && Catch::Contains("unused"));
  }
}
