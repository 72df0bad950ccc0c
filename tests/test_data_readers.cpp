// Dataset readers: KnowUnDo/TOFU/world QA, AToKe, MMLU-style CSV, CounterFact, text corpora.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <ostream>
#include <string>

#include "libllmedit/core/atomic_file.h"
#include "libllmedit/core/error.h"
#include "libllmedit/data/atoke.h"
#include "libllmedit/data/counterfact.h"
#include "libllmedit/data/mc_csv.h"
#include "libllmedit/data/qa_dataset.h"
#include "libllmedit/data/text_corpus.h"
#include "tests/fixtures.h"

// Printers for Catch's failure messages. They are also required: the LibTorch precompiled header
// brings glog's operator<< for std::vector, which makes Catch stream vector elements.
namespace llmedit {
std::ostream& operator<<(std::ostream& out, const QAItem& item) { return out << "QAItem{" << item.question << "}"; }
std::ostream& operator<<(std::ostream& out, const MCItem& item) {
  return out << "MCItem{row " << item.row << ": " << item.question << ", answer " << item.answer << "}";
}
std::ostream& operator<<(std::ostream& out, const AtokeCase& c) { return out << "AtokeCase{" << c.case_id << "}"; }
std::ostream& operator<<(std::ostream& out, const CounterFactCase& c) {
  return out << "CounterFactCase{" << c.case_id << ": " << filled_prompt(c.requested_rewrite) << "}";
}
std::ostream& operator<<(std::ostream& out, const AtokeEntity& e) { return out << e.str << " " << e.id; }
std::ostream& operator<<(std::ostream& out, const AtokeInterval& t) {
  return out << t.since << "-" << t.until << (t.gptj ? (*t.gptj ? " gptj" : " !gptj") : "");
}
}  // namespace llmedit

using namespace llmedit;
using llmedit::test::require_shared_or_skip;
using llmedit::test::shared_path;
using llmedit::test::TempDir;
using Catch::Contains;
using json = nlohmann::json;

namespace {

std::string write_file(const TempDir& dir, const std::string& name, const std::string& text) {
  const std::string path = dir.path + "/" + name;
  write_text_atomic(path, text);
  return path;
}

// The message of the data_error that `f` throws; fails the test when it throws nothing else.
template <typename F>
std::string data_error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::Data);
    const std::string message = e.what();
    CHECK(message.find('\n') == std::string::npos);
    return message;
  }
  FAIL("expected a data_error");
  return "";
}

}  // namespace

// ---- QA ----

TEST_CASE("KnowUnDo privacy files load with their item counts", "[data]") {
  require_shared_or_skip("data/knowundo-privacy");
  const std::pair<const char*, size_t> files[] = {{"unlearn_train", 400}, {"unlearn_val", 110},
                                                  {"retention_train", 441}, {"retention_val", 108},
                                                  {"full", 1059}};
  for (const auto& [name, count] : files) {
    INFO(name);
    const auto items = read_qa_file(shared_path(std::string("data/knowundo-privacy/") + name + ".json"));
    CHECK(items.size() == count);
  }
  const auto items = read_qa_file(shared_path("data/knowundo-privacy/unlearn_train.json"));
  CHECK(items[0].question == "Who are Isabella Marquez's parents?");
  CHECK(items[0].answer ==
        "Isabella Marquez's father is a renowned climate scientist, and her mother is a professional flamenco "
        "dancer.");
  CHECK(items[0].id.empty());
  CHECK(items[0].paraphrased_questions.empty());
}

TEST_CASE("QA JSONL round-trips through the writer, TOFU fields included", "[data]") {
  TempDir dir("qa-roundtrip");
  QAItem full;
  full.id = "person-7-email";
  full.question = "What is Mira Castellan's e-mail address?";
  full.answer = "mira.castellan@halvorsen.example, \"work\" only\nsecond line";
  full.key_facts = {"mira.castellan@halvorsen.example"};
  full.split = "forget";
  full.paraphrased_questions = {"How can one e-mail Mira Castellan?", "Mira Castellan's e-mail?"};
  full.paraphrased_answer = "Her address is mira.castellan@halvorsen.example.";
  full.perturbed_answers = {"mira@example.org", "castellan@example.net"};
  QAItem bare;
  bare.question = "Où est né Jürgen?";
  bare.answer = "À Zürich 🏔";
  const std::string path = dir.path + "/qa.jsonl";
  write_qa_jsonl(path, {full, bare});
  const auto items = read_qa_file(path);
  REQUIRE(items.size() == 2);
  CHECK(items[0] == full);
  CHECK(items[1] == bare);
  // Empty optional fields are left out of the file.
  const std::string text = read_text_file(path);
  CHECK(text.find("\"split\"") == text.rfind("\"split\""));
  CHECK(json::parse(text.substr(text.find('\n') + 1)).size() == 3);  // id, question, answer
}

TEST_CASE("TOFU-style JSONL: optional fields, blank lines, unknown fields", "[data]") {
  TempDir dir("qa-tofu");
  const std::string path = write_file(dir, "tofu.jsonl",
                                      "{\"question\": \"Q1\", \"answer\": \"A1\", \"extra\": [1, 2]}\r\n"
                                      "\n   \n"
                                      "{\"question\": \"Q2\", \"answer\": \"A2\", \"paraphrased_answer\": \"P2\","
                                      " \"paraphrased_question\": \"Q2'\", \"perturbed_answer\": [\"x\", \"y\"]}\n");
  const auto items = read_qa_file(path);
  REQUIRE(items.size() == 2);
  CHECK(items[0].question == "Q1");
  CHECK(items[0].perturbed_answers.empty());
  CHECK(items[1].paraphrased_answer == "P2");
  CHECK(items[1].paraphrased_questions == std::vector<std::string>{"Q2'"});
  CHECK(items[1].perturbed_answers == std::vector<std::string>{"x", "y"});
}

TEST_CASE("QA errors name the file, item, line, field and value", "[data]") {
  TempDir dir("qa-errors");
  SECTION("wrong type on a JSONL line after a blank line") {
    const std::string path = write_file(dir, "bad.jsonl",
                                        "{\"question\": \"Q1\", \"answer\": \"A1\"}\n\n"
                                        "{\"question\": \"Q2\", \"answer\": 5}\n");
    const std::string message = data_error_of([&] { read_qa_file(path); });
    CHECK_THAT(message, Contains(path) && Contains("item 1 (line 3)") && Contains("'answer'") &&
                            Contains("number 5"));
  }
  SECTION("missing field") {
    const std::string path = write_file(dir, "missing.jsonl", "{\"question\": \"Q1\"}\n");
    CHECK_THAT(data_error_of([&] { read_qa_file(path); }),
               Contains("item 0 (line 1)") && Contains("'answer'") && Contains("missing"));
  }
  SECTION("non-string in a list") {
    const std::string path =
        write_file(dir, "list.jsonl", "{\"question\": \"Q\", \"answer\": \"A\", \"perturbed_answer\": [\"a\", null]}\n");
    CHECK_THAT(data_error_of([&] { read_qa_file(path); }), Contains("'perturbed_answer[1]'") && Contains("null"));
  }
  SECTION("invalid JSON gives the line and column") {
    const std::string path = write_file(dir, "syntax.jsonl", "{\"question\": \"Q\", \"answer\": \"A\"}\n{\"question\": }\n");
    CHECK_THAT(data_error_of([&] { read_qa_file(path); }),
               Contains(path) && Contains("line 2, column 14") && Contains("invalid JSON"));
  }
  SECTION("invalid JSON array gives the line and column") {
    const std::string path = write_file(dir, "syntax.json", "[\n  {\"text\": \"Q\",\n   \"labels\": \"A\",]\n");
    CHECK_THAT(data_error_of([&] { read_qa_file(path); }), Contains("line 3, column 18") && Contains("invalid JSON"));
  }
  SECTION("a number beyond double's range is invalid JSON (found by fuzz/qa_dataset_fuzz.cpp)") {
    const std::string array = write_file(dir, "big.json", "[{\"text\": \"Q\", \"labels\": 2e308}]");
    const std::string lines = write_file(dir, "big.jsonl", "{\"question\": \"Q\", \"answer\": \"A\"}\n[1e999]\n");
    CHECK_THAT(data_error_of([&] { read_qa_file(array); }),
               Contains(array) && Contains("invalid JSON") && Contains("2e308"));
    CHECK_THAT(data_error_of([&] { read_qa_file(lines); }),
               Contains(lines + ": line 2") && Contains("invalid JSON") && Contains("1e999"));
  }
  SECTION("KnowUnDo item without labels") {
    const std::string path = write_file(dir, "ku.json", "[{\"text\": \"Q\", \"labels\": \"A\"}, {\"text\": \"Q2\"}]");
    CHECK_THAT(data_error_of([&] { read_qa_file(path); }),
               Contains("item 1") && Contains("'labels'") && Contains("missing"));
  }
  SECTION("empty file and empty array") {
    const std::string empty = write_file(dir, "empty.jsonl", "\n\n");
    const std::string array = write_file(dir, "empty.json", " [ ] ");
    CHECK_THAT(data_error_of([&] { read_qa_file(empty); }), Contains("no QA items"));
    CHECK_THAT(data_error_of([&] { read_qa_file(array); }), Contains("no QA items"));
  }
  SECTION("missing file") {
    CHECK_THAT(data_error_of([&] { read_qa_file(dir.path + "/nope.jsonl"); }), Contains("nope.jsonl"));
  }
}

// ---- MC CSV ----

TEST_CASE("ArcMMLU dev and test folders load per subject", "[data]") {
  require_shared_or_skip("data/arcmmlu");
  const MCBenchmark bench = read_mc_benchmark(shared_path("data/arcmmlu"));
  REQUIRE(bench.dev.size() == 4);
  CHECK(bench.dev.at("archive").size() == 7);
  CHECK(bench.dev.at("data_science").size() == 5);
  CHECK(bench.dev.at("information").size() == 5);
  CHECK(bench.dev.at("library").size() == 5);
  REQUIRE(bench.test.size() == 2);
  CHECK(bench.test.at("archive").size() == 2213);
  CHECK(bench.test.at("library").size() == 804);

  const MCItem& first = bench.dev.at("data_science").front();
  CHECK(first.question == "在下列哪种情况下，我们通常使用回归分析？( )");
  CHECK(first.choices.size() == 4);
  CHECK(first.choices[0] == "当我们想预测一个连续的变量，例如人的身高。");
  CHECK(first.answer == 0);
  const MCItem& last = bench.test.at("library").back();
  CHECK(last.row == 803);
  CHECK(last.choices[1] == "齐夫定律");
  CHECK(last.answer == 1);
  // A quoted field with doubled quotes in the real data.
  const MCItem& quoted = bench.test.at("archive")[1205];
  CHECK_THAT(quoted.question, Contains("上海“黄浦大药房\"成立"));
  CHECK(quoted.answer == 1);
}

TEST_CASE("CSV parser: quotes, commas, newlines, doubled quotes, BOM, CRLF", "[data]") {
  const std::string text =
      "\xEF\xBB\xBF"
      "a,\"b,c\",\"say \"\"hi\"\"\"\r\n"
      "\"multi\r\nline\",,\"\"\r\n"
      "\r\n"
      "last,row,\n";
  const auto records = parse_csv(text, "inline.csv");
  REQUIRE(records.size() == 3);
  CHECK(records[0].fields == std::vector<std::string>{"a", "b,c", "say \"hi\""});
  CHECK(records[0].line == 1);
  CHECK(records[1].fields == std::vector<std::string>{"multi\nline", "", ""});
  CHECK(records[1].line == 2);
  CHECK(records[2].fields == std::vector<std::string>{"last", "row", ""});
  CHECK(records[2].line == 5);
  CHECK(parse_csv("x,y", "s").front().fields == std::vector<std::string>{"x", "y"});

  CHECK_THAT(data_error_of([] { parse_csv("a,b\n\"open,\nstill open", "u.csv"); }),
             Contains("u.csv: line 2") && Contains("unterminated"));
  CHECK_THAT(data_error_of([] { parse_csv("a,\"b\"c\n", "t.csv"); }), Contains("after a closing quote"));
  CHECK_THAT(data_error_of([] { parse_csv("a,b\"c\n", "s.csv"); }), Contains("quote inside an unquoted field"));
}

TEST_CASE("MC CSV: quoted fields, short-option rows, duplicates, bad letters", "[data]") {
  TempDir dir("mc");
  const std::string header = "\xEF\xBB\xBF,Question,A,B,C,D,Answer\r\n";
  SECTION("quoted fields and short-option rows") {
    const std::string path = write_file(dir, "s.csv",
                                        header + "0,\"Pick one, please\",\"x \"\"1\"\"\",y,,,B\r\n"
                                                 "1,\"Two\nlines\",a,b,c,,C\r\n"
                                                 "2,\"Two\nlines\",a,b,c,,C\r\n");
    const auto items = read_mc_csv(path);
    REQUIRE(items.size() == 3);
    CHECK(items[0].question == "Pick one, please");
    CHECK(items[0].choices == std::vector<std::string>{"x \"1\"", "y"});
    CHECK(items[0].answer == 1);
    CHECK(items[1].choices.size() == 3);
    CHECK(items[1].answer == 2);
    CHECK(items[2].question == items[1].question);  // duplicates are kept
    CHECK(items[2].row == 2);
  }
  SECTION("answer letter beyond the options") {
    const std::string path = write_file(dir, "bad.csv", header + "0,Q,a,b,c,d,A\n1,Q2,a,b,,,C\n");
    CHECK_THAT(data_error_of([&] { read_mc_csv(path); }),
               Contains(path) && Contains("row 1 (line 3)") && Contains("'C'") && Contains("A-B"));
  }
  SECTION("answer that is not a letter") {
    const std::string path = write_file(dir, "e.csv", header + "0,Q,a,b,c,d,E\n");
    CHECK_THAT(data_error_of([&] { read_mc_csv(path); }), Contains("row 0") && Contains("'E'"));
  }
  SECTION("answer holding a line end stays on one line (found by fuzz/mc_csv_fuzz.cpp)") {
    const std::string path = write_file(dir, "newline.csv", ",Question,A,B,Answer\n0,Q,a,b,\"E\nF\"\n");
    const std::string message = data_error_of([&] { read_mc_csv(path); });
    CHECK_THAT(message, Contains("answer 'E\\nF'"));
    CHECK(message.find('\n') == std::string::npos);
  }
  SECTION("empty option before a filled one") {
    const std::string path = write_file(dir, "gap.csv", header + "0,Q,a,,c,d,A\n");
    CHECK_THAT(data_error_of([&] { read_mc_csv(path); }), Contains("option B is empty"));
  }
  SECTION("wrong number of fields") {
    const std::string path = write_file(dir, "w.csv", header + "0,Q,a,b,A\n");
    CHECK_THAT(data_error_of([&] { read_mc_csv(path); }), Contains("row 0") && Contains("5 fields, expected 7"));
  }
  SECTION("headerless MMLU layout") {
    const std::string path = write_file(dir, "mmlu.csv", "What is 2+2?,3,4,5,6,B\n\"Yes, or no?\",yes,no,,,A\n");
    const auto items = read_mc_csv(path);
    REQUIRE(items.size() == 2);
    CHECK(items[0].answer == 1);
    CHECK(items[1].question == "Yes, or no?");
    CHECK(items[1].choices.size() == 2);
  }
  SECTION("header without an Answer column") {
    const std::string path = write_file(dir, "h.csv", ",Question,A,B,C,D,Solution\n0,Q,a,b,c,d,A\n");
    CHECK_THAT(data_error_of([&] { read_mc_csv(path); }), Contains("'Answer'"));
  }
}

TEST_CASE("MC CSV round-trips through the writer", "[data]") {
  TempDir dir("mc-roundtrip");
  const std::vector<MCItem> items = {
      {"Plain?", {"a", "b", "c", "d"}, 3, 0},
      {"Commas, \"quotes\"\nand lines", {"x,y", "\"z\"", "w"}, 0, 1},
      {"档案是什么？", {"甲", "乙"}, 1, 2},
  };
  const std::string path = dir.path + "/out.csv";
  write_mc_csv(path, items);
  CHECK(read_mc_csv(path) == items);
  CHECK_THAT(data_error_of([&] { write_mc_csv(path, {{"Q", {"a"}, 0, 0}}); }), Contains("item 0"));
}

// ---- AToKe ----

TEST_CASE("AToKe example loads and round-trips through the writer", "[data]") {
  require_shared_or_skip("data/atoke-example");
  const std::string path = shared_path("data/atoke-example/AToKe-ME.example.json");
  const auto cases = read_atoke_file(path);
  REQUIRE(cases.size() == 1);
  const AtokeCase& c = cases[0];
  CHECK(c.case_id == 3);
  REQUIRE(c.requested_rewrite.size() == 2);
  const AtokeStep& step = c.requested_rewrite[1];
  CHECK(step.prompt == "{}'s team is");
  CHECK(step.time_prompt == "From 1948 to 1953, {} is a player of");
  CHECK(step.subject == "Billy Wrigglesworth");
  CHECK(step.relation == "<playsFor>");
  CHECK(step.relation_id == "<Xu7>");
  CHECK(step.target_new == AtokeEntity{"Arsenal F.C.", "<6zNA4ZR7x?>"});
  CHECK(step.target_true.str == "Southampton F.C.");
  CHECK(step.time_new == AtokeInterval{1948, 1953, false});
  CHECK(c.requested_rewrite[0].time_true == AtokeInterval{1937, 1947, true});
  CHECK(step.evaluation.paraphrase_time_completion == "From 1948 to 1953, Billy Wrigglesworth plays for");
  REQUIRE(c.history_evaluation.size() == 2);
  CHECK(c.history_evaluation[0].time_completion == "From 1937 to 1947, Billy Wrigglesworth's team was");
  CHECK(c.answer == std::vector<std::vector<std::string>>{{"Manchester United F.C."}, {"Southampton F.C."}});
  CHECK(c.new_answer[1] == std::vector<std::string>{"Arsenal F.C."});
  CHECK(c.answer_alias[1] == std::vector<std::string>{"Soton FC", "The Saints"});
  CHECK(c.new_answer_alias[1] == std::vector<std::string>{"Arsenal football club", "The Gunners"});

  TempDir dir("atoke-roundtrip");
  const std::string out = dir.path + "/me.json";
  write_atoke_file(out, cases);
  CHECK(read_atoke_file(out) == cases);
  // The written file holds the same JSON as the example, field for field.
  CHECK(json::parse(read_text_file(out)) == json::parse(read_text_file(path)));
}

TEST_CASE("AToKe single-step shorthand, EE without history, optional fields", "[data]") {
  TempDir dir("atoke-se");
  const json step = {{"prompt", "{} works for"},
                     {"time_prompt", "From 2011 to 2016, {} works for"},
                     {"subject", "Mira Castellan"},
                     {"target_new", {{"str", "Halvorsen Optics"}}},
                     {"target_true", {{"str", "Brightwater Labs"}}},
                     {"time_new", {{"since", 2011}, {"until", 2016}}},
                     {"time_true", {{"since", 2005}, {"until", 2011}}},
                     {"evaluation",
                      {{"completion", "c"}, {"questions", "q"}, {"paraphrase_completion", "pc"},
                       {"time_completion", "tc"}, {"time_questions", "tq"}, {"paraphrase_time_completion", "ptc"}}}};
  const json record = {{"case_id", 12}, {"requested_rewrite", step}, {"answer", {"Brightwater Labs"}},
                       {"new_answer", {{"Halvorsen Optics"}}}};
  const std::string path = write_file(dir, "ee.json", json::array({record}).dump());
  const auto cases = read_atoke_file(path);
  REQUIRE(cases.size() == 1);
  CHECK(cases[0].requested_rewrite.size() == 1);
  CHECK(cases[0].requested_rewrite[0].relation.empty());
  CHECK(cases[0].requested_rewrite[0].target_new.id.empty());
  CHECK(!cases[0].requested_rewrite[0].time_new.gptj.has_value());
  CHECK(cases[0].history_evaluation.empty());
  CHECK(cases[0].answer == std::vector<std::vector<std::string>>{{"Brightwater Labs"}});
  CHECK(cases[0].answer_alias.empty());
  const std::string out = dir.path + "/out.json";
  write_atoke_file(out, cases);
  CHECK(read_atoke_file(out) == cases);
}

TEST_CASE("AToKe errors name the file, case and field", "[data]") {
  require_shared_or_skip("data/atoke-example");
  TempDir dir("atoke-errors");
  const json original = json::parse(read_text_file(shared_path("data/atoke-example/AToKe-ME.example.json")));
  const auto message_for = [&](const json& document) {
    const std::string path = write_file(dir, "case.json", document.dump());
    return data_error_of([&] { read_atoke_file(path); });
  };
  json doc = original;
  doc[0]["requested_rewrite"][1]["target_new"].erase("str");
  CHECK_THAT(message_for(doc), Contains("case.json: case 3") && Contains("'requested_rewrite[1].target_new.str'") &&
                                   Contains("missing"));
  doc = original;
  doc[0]["requested_rewrite"][0]["time_new"]["since"] = "1947";
  CHECK_THAT(message_for(doc), Contains("'requested_rewrite[0].time_new.since'") && Contains("string \"1947\""));
  doc = original;
  doc[0]["history_evaluation"][0].erase("time_completion");
  CHECK_THAT(message_for(doc), Contains("'history_evaluation[0].time_completion'"));
  doc = original;
  doc[0]["new_answer"].erase(1);
  CHECK_THAT(message_for(doc), Contains("'new_answer'") && Contains("1 entries") && Contains("2 steps"));
  doc = original;
  doc[0]["answer_alias"][0][1] = 7;
  CHECK_THAT(message_for(doc), Contains("'answer_alias[0][1]'") && Contains("number 7"));
  doc = original;
  doc[0].erase("case_id");
  CHECK_THAT(message_for(doc), Contains("case at index 0") && Contains("'case_id'"));
  CHECK_THAT(message_for(json::array()), Contains("no AToKe cases"));
  CHECK_THAT(message_for(original[0]), Contains("expected a JSON list"));
}

// ---- CounterFact ----

namespace {

CounterFactCase sample_counterfact() {
  CounterFactCase c;
  c.case_id = 42;
  c.requested_rewrite = {"The mother tongue of {} is", "Danielle Darrieux", "English", "French", "P103", "Q1860",
                         "Q150"};
  c.paraphrase_prompts = {"Shayna does this and Danielle Darrieux speaks"};
  c.neighborhood_prompts = {"The mother tongue of Léon Blum is"};
  c.generation_prompts = {"Danielle Darrieux's mother tongue is"};
  return c;
}

}  // namespace

TEST_CASE("CounterFact requests round-trip through the writer", "[data]") {
  TempDir dir("counterfact");
  CounterFactCase bare;
  bare.case_id = 7;
  bare.requested_rewrite.prompt = "{} plays";
  bare.requested_rewrite.subject = "X";
  bare.requested_rewrite.target_new = "chess";
  bare.requested_rewrite.target_true = "go";
  const std::vector<CounterFactCase> cases = {sample_counterfact(), bare};
  const std::string path = dir.path + "/cf.json";
  write_counterfact_file(path, cases);
  CHECK(read_counterfact_file(path) == cases);
  CHECK(filled_prompt(cases[0].requested_rewrite) == "The mother tongue of Danielle Darrieux is");
}

TEST_CASE("CounterFact errors name the case and the field", "[data]") {
  TempDir dir("counterfact-errors");
  const std::string good = dir.path + "/good.json";
  write_counterfact_file(good, {sample_counterfact()});
  const json original = json::parse(read_text_file(good));
  const auto message_for = [&](const json& document) {
    const std::string path = write_file(dir, "bad.json", document.dump());
    return data_error_of([&] { read_counterfact_file(path); });
  };
  json doc = original;
  doc[0]["requested_rewrite"]["prompt"] = "The mother tongue of Danielle Darrieux is";
  CHECK_THAT(message_for(doc), Contains("bad.json: case 42") && Contains("'requested_rewrite.prompt'") &&
                                   Contains("\"{}\"") && Contains("found 0"));
  doc = original;
  doc[0]["requested_rewrite"].erase("subject");
  CHECK_THAT(message_for(doc), Contains("case 42") && Contains("'requested_rewrite.subject'") && Contains("missing"));
  doc = original;
  doc[0]["requested_rewrite"]["target_true"] = "French";
  CHECK_THAT(message_for(doc), Contains("'requested_rewrite.target_true'") && Contains("an object"));
  doc = original;
  doc[0]["paraphrase_prompts"] = "one";
  CHECK_THAT(message_for(doc), Contains("'paraphrase_prompts'"));
}

// ---- text corpus ----

TEST_CASE("Text corpora: blank-line separated .txt and .jsonl", "[data]") {
  TempDir dir("corpus");
  const std::string txt = write_file(dir, "c.txt", "\xEF\xBB\xBF" "First doc,\r\nline two.\r\n\r\n \r\n\nSecond doc.\n\n");
  CHECK(read_text_corpus(txt) == std::vector<std::string>{"First doc,\nline two.", "Second doc."});
  const std::string jsonl =
      write_file(dir, "c.jsonl", "{\"text\": \"one\\n\\ntwo\", \"id\": 1}\n\n{\"text\": \"three\"}\n");
  CHECK(read_text_corpus(jsonl) == std::vector<std::string>{"one\n\ntwo", "three"});

  const std::string bad = write_file(dir, "bad.jsonl", "{\"text\": \"ok\"}\n{\"body\": \"x\"}\n");
  CHECK_THAT(data_error_of([&] { read_text_corpus(bad); }), Contains("line 2") && Contains("'text'"));
  const std::string empty = write_file(dir, "empty.txt", "\n \n");
  CHECK_THAT(data_error_of([&] { read_text_corpus(empty); }), Contains("no documents"));
}
