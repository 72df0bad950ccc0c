// Multiple choice: the exact prompt text of each format, shot dropping, letter tokens, batched
// scoring against one prompt at a time, accuracy aggregation, and `llmedit run` on ArcMMLU.
#include <torch/torch.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "libllmedit/core/atomic_file.h"
#include "libllmedit/core/error.h"
#include "libllmedit/data/mc_csv.h"
#include "libllmedit/eval/multiple_choice.h"
#include "libllmedit/model/causal_lm.h"
#include "libllmedit/model/init_weights.h"
#include "libllmedit/model/loader.h"
#include "libllmedit/tokenizer/tokenizer.h"
#include "tests/cli_runner.h"
#include "tests/fixtures.h"

using namespace llmedit;
using namespace llmedit::test;
namespace fs = std::filesystem;

namespace {

// One token per byte (id = byte + 3), BOS 1, EOS 2, PAD 0: token counts are byte counts plus BOS,
// so which shots fit can be worked out from the text alone.
class ByteTokenizer : public Tokenizer {
 public:
  std::vector<int64_t> encode(const std::string& text, bool add_special_tokens) const override {
    std::vector<int64_t> ids;
    if (add_special_tokens) ids.push_back(1);
    for (unsigned char c : text) ids.push_back(c + 3);
    return ids;
  }
  std::string decode(const std::vector<int64_t>& ids, bool) const override {
    std::string out;
    for (int64_t id : ids)
      if (id >= 3 && id < 259) out += static_cast<char>(id - 3);
    return out;
  }
  std::string id_to_piece(int64_t id) const override { return id >= 3 && id < 259 ? decode({id}, false) : ""; }
  int64_t piece_to_id(const std::string& piece) const override {
    return piece.size() == 1 ? static_cast<unsigned char>(piece[0]) + 3 : -1;
  }
  int64_t vocab_size() const override { return 259; }
  int64_t bos_id() const override { return 1; }
  int64_t eos_id() const override { return 2; }
  int64_t pad_id() const override { return 0; }
};

MCItem mc_item(std::string question, std::vector<std::string> choices, int answer, int64_t row = 0) {
  MCItem item;
  item.question = std::move(question);
  item.choices = std::move(choices);
  item.answer = answer;
  item.row = row;
  return item;
}

std::shared_ptr<CausalLM> tiny_llama(int64_t vocab, int64_t max_positions, double init_range, uint64_t seed) {
  const nlohmann::json config = {{"architectures", {"LlamaForCausalLM"}}, {"model_type", "llama"},
                                 {"vocab_size", vocab}, {"hidden_size", 32}, {"intermediate_size", 64},
                                 {"num_hidden_layers", 2}, {"num_attention_heads", 4}, {"num_key_value_heads", 2},
                                 {"max_position_embeddings", max_positions}, {"bos_token_id", 1}, {"eos_token_id", 2}};
  const ArchSpec spec = ArchSpec::from_config(config, "tiny");
  return std::make_shared<CausalLM>(spec, config, init_weights(spec, init_range, seed), "tiny");
}

// log p(letter | prompt) from one unpadded forward of the whole prompt, without the scorer.
std::vector<double> reference_logprobs(CausalLM& model, const std::vector<int64_t>& ids,
                                       const std::vector<int64_t>& letters) {
  torch::NoGradGuard no_grad;
  torch::Tensor input = torch::tensor(ids, torch::kInt64).unsqueeze(0);  // [1, T]
  torch::Tensor logprobs = torch::log_softmax(model.forward(input).logits[0][-1], -1);  // [V]
  std::vector<double> out;
  for (int64_t id : letters) out.push_back(logprobs[id].item<double>());
  return out;
}

std::vector<nlohmann::json> read_jsonl(const std::string& path) {
  std::vector<nlohmann::json> rows;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) rows.push_back(nlohmann::json::parse(line));
  return rows;
}

const MCItem kQuestion = mc_item("档案的本质属性是( )。", {"原始记录性", "知识性", "信息性", "服务性"}, 0, 7);
const std::vector<MCItem> kShots = {mc_item("迄今我国所发现的最早档案是( )档案。", {"结绳", "甲骨", "刻契", "陶器"}, 1),
                                    mc_item("档案编研必须坚持( )原则。", {"政治性", "社会效益", "经济效益", "实事求是"}, 3)};

}  // namespace

TEST_CASE("arcmmlu prompts match the ArcMMLU authors' format byte for byte", "[mc]") {
  const MCPromptFormat f = arcmmlu_format();
  CHECK(render_mc_prompt(f, "archive", {}, kQuestion) ==
        "以下是关于档案学的单项选择题，请直接给出正确答案的选项。\n\n"
        "题目：档案的本质属性是( )。\nA. 原始记录性\nB. 知识性\nC. 信息性\nD. 服务性\n答案是：");
  const std::string two_shot = render_mc_prompt(f, "archive", kShots, kQuestion);
  std::cout << "rendered 2-shot arcmmlu prompt:\n" << two_shot << "\n---" << std::endl;
  CHECK(two_shot ==
        "以下是关于档案学的单项选择题，请直接给出正确答案的选项。\n\n"
        "题目：迄今我国所发现的最早档案是( )档案。\nA. 结绳\nB. 甲骨\nC. 刻契\nD. 陶器\n答案是：B\n\n"
        "题目：档案编研必须坚持( )原则。\nA. 政治性\nB. 社会效益\nC. 经济效益\nD. 实事求是\n答案是：D\n\n"
        "题目：档案的本质属性是( )。\nA. 原始记录性\nB. 知识性\nC. 信息性\nD. 服务性\n答案是：");
  CHECK(mc_subject_name(f, "data_science") == "数据科学");
  CHECK(mc_subject_name(f, "information") == "信息学");
  CHECK(mc_subject_name(f, "library") == "图书馆学");
  CHECK(mc_subject_name(f, "world_facts") == "world_facts");  // unknown subjects as named
}

TEST_CASE("mmlu prompts match lm-evaluation-harness' default template", "[mc]") {
  const MCPromptFormat f = mmlu_format();
  const MCItem item = mc_item("  What is 2 + 2?\n", {"3", "4", "5", "6"}, 1);
  const std::vector<MCItem> shots = {mc_item("What is 1 + 1?", {"2", "3", "4", "5"}, 0),
                                     mc_item("What is 3 + 3?", {"5", "7", " 9", "6"}, 3)};
  CHECK(render_mc_prompt(f, "high_school_math", {}, item) ==
        "The following are multiple choice questions (with answers) about high school math.\n\n"
        "What is 2 + 2?\nA. 3\nB. 4\nC. 5\nD. 6\nAnswer:");
  CHECK(render_mc_prompt(f, "high_school_math", shots, item) ==
        "The following are multiple choice questions (with answers) about high school math.\n\n"
        "What is 1 + 1?\nA. 2\nB. 3\nC. 4\nD. 5\nAnswer: A\n\n"
        "What is 3 + 3?\nA. 5\nB. 7\nC.  9\nD. 6\nAnswer: D\n\n"
        "What is 2 + 2?\nA. 3\nB. 4\nC. 5\nD. 6\nAnswer:");
}

TEST_CASE("a row with three options shows and scores only A-C", "[mc]") {
  const MCItem three = mc_item("Pick one", {"x", "y", "z"}, 2);
  CHECK(render_mc_question(mmlu_format(), "s", three) == "Pick one\nA. x\nB. y\nC. z\nAnswer:");
  CHECK(render_mc_question(arcmmlu_format(), "s", three) == "题目：Pick one\nA. x\nB. y\nC. z\n答案是：");

  auto model = tiny_llama(259, 64, 0.5, 11);
  ByteTokenizer tokenizer;
  const std::vector<int64_t> ids = encode_mc_text(tokenizer, render_mc_question(arcmmlu_format(), "s", three));
  const std::vector<int64_t> letters = {'A' + 3, 'B' + 3, 'C' + 3};
  const std::vector<MCScore> scores = score_mc_prompts(*model, {ids}, {letters}, 0, 4, nullptr);
  REQUIRE(scores[0].probs.size() == 3);
  CHECK(scores[0].probs[0] + scores[0].probs[1] + scores[0].probs[2] == Approx(1.0).margin(1e-9));
}

TEST_CASE("custom templates take placeholders and reject unknown ones", "[mc]") {
  MCPromptFormat f = mmlu_format();
  f.name = "custom";
  f.header = "Quiz on {subject} {{easy}}\n";
  f.question = "Q: {question}\n{choices}\nA:";
  f.choice = "({letter}) {choice}";
  f.choice_separator = " ";
  f.answer = " ({letter})";
  f.shot_separator = "\n";
  validate_mc_format(f, "c.json");
  CHECK(render_mc_prompt(f, "world", {mc_item("1?", {"a", "b"}, 1)}, mc_item("2?", {"c", "d"}, 0)) ==
        "Quiz on world {easy}\nQ: 1?\n(A) a (B) b\nA: (B)\nQ: 2?\n(A) c (B) d\nA:");

  f.question = "Q: {questoin}";
  CHECK_THROWS_WITH(validate_mc_format(f, "c.json"),
                    "c.json: eval.mc.template.question: unknown placeholder {questoin} (allowed: {choices}, {question}, {subject})");
  f.question = "Q: {question";
  CHECK_THROWS_WITH(validate_mc_format(f, "c.json"), Catch::Contains("unmatched '{'"));
  f = mmlu_format();
  f.answer = " answer";
  CHECK_THROWS_WITH(validate_mc_format(f, "c.json"), Catch::Contains("eval.mc.template.answer must contain {letter}"));
  CHECK_THROWS_AS(builtin_mc_format("cmmlu", "eval.format"), Error);
}

TEST_CASE("the longest shots are dropped until the prompt fits, then the header, then the question's start", "[mc]") {
  ByteTokenizer tokenizer;
  const MCPromptFormat f = mmlu_format();
  // Shot token counts: 1 short, 2 and 3 equally long (ties are dropped together), 4 longest.
  const std::vector<MCItem> dev = {mc_item("s", {"a", "b", "c", "d"}, 0), mc_item("mid one", {"a", "b", "c", "d"}, 1),
                                   mc_item("mid two", {"a", "b", "c", "d"}, 2),
                                   mc_item("the longest shot", {"a", "b", "c", "d"}, 3)};
  const MCItem item = mc_item("question?", {"w", "x", "y", "z"}, 0);
  const MCShots shots = prepare_mc_shots(tokenizer, f, "s", dev, 4);
  REQUIRE(shots.lengths.size() == 4);
  CHECK(shots.lengths[1] == shots.lengths[2]);
  CHECK(shots.lengths[3] > shots.lengths[1]);
  const std::string header = render_mc_header(f, "s"), question = render_mc_question(f, "s", item);
  const auto bytes = [](const std::string& s) { return static_cast<int64_t>(s.size()); };
  const int64_t all = 1 + bytes(header) + shots.lengths[0] + shots.lengths[1] + shots.lengths[2] + shots.lengths[3] +
                      bytes(question);

  MCPrompt p = build_mc_prompt(tokenizer, f, "s", shots, item, all);
  CHECK(p.shots == 4);
  CHECK(static_cast<int64_t>(p.ids.size()) == all);
  CHECK(p.text == render_mc_prompt(f, "s", dev, item));

  p = build_mc_prompt(tokenizer, f, "s", shots, item, all - 1);  // drops the longest only
  CHECK(p.shots == 3);
  CHECK(p.text == header + shots.texts[0] + shots.texts[1] + shots.texts[2] + question);

  p = build_mc_prompt(tokenizer, f, "s", shots, item, all - shots.lengths[3] - 1);  // then both tied ones
  CHECK(p.shots == 1);
  CHECK(p.text == header + shots.texts[0] + question);
  CHECK_FALSE(p.header_dropped);

  p = build_mc_prompt(tokenizer, f, "s", shots, item, 1 + bytes(question));  // no shot fits, nor the header
  CHECK(p.shots == 0);
  CHECK(p.header_dropped);
  CHECK(p.text == question);
  CHECK_FALSE(p.truncated);

  p = build_mc_prompt(tokenizer, f, "s", shots, item, 6);  // BOS and the last 5 bytes of "Answer:"
  CHECK(p.truncated);
  CHECK(p.ids == std::vector<int64_t>{1, 's' + 3, 'w' + 3, 'e' + 3, 'r' + 3, ':' + 3});
}

TEST_CASE("letter tokens are the first token of the continuation after the answer cue", "[mc]") {
  ByteTokenizer bytes;
  const MCLetterTokens arc = mc_letter_tokens(bytes, arcmmlu_format(), "...\n答案是：");
  CHECK(arc.ids == std::vector<int64_t>{'A' + 3, 'B' + 3, 'C' + 3, 'D' + 3});
  CHECK(arc.from_prompt);
  // A byte tokenizer starts every " X" continuation with the space: the letters are indistinguishable.
  CHECK_THROWS_WITH(mc_letter_tokens(bytes, mmlu_format(), "Q\nAnswer:"),
                    Catch::Contains("letters A and B start with the same token"));

  require_shared_or_skip("fixtures/tokenizers/llama2-spm");
  const auto spm = load_tokenizer(shared_path("fixtures/tokenizers/llama2-spm"));
  const MCLetterTokens mmlu = mc_letter_tokens(*spm, mmlu_format(), "Q?\nA. x\nB. y\nAnswer:");
  CHECK(mmlu.from_prompt);
  for (size_t j = 0; j < 4; ++j) CHECK(spm->id_to_piece(mmlu.ids[j]) == "\xE2\x96\x81" + mc_letter(j));  // "▁A"
  const MCLetterTokens zh = mc_letter_tokens(*spm, arcmmlu_format(), "题目：x\nA. y\n答案是：");
  for (size_t j = 0; j < 4; ++j) CHECK(spm->decode({zh.ids[j]}) == mc_letter(j));
}

TEST_CASE("batched left-padded scoring equals scoring each prompt alone", "[mc]") {
  auto model = tiny_llama(259, 512, 0.5, 5);
  ByteTokenizer tokenizer;
  const MCPromptFormat f = arcmmlu_format();
  std::vector<std::vector<int64_t>> prompts, letters;
  const std::vector<MCItem> items = {kQuestion, kShots[0], kShots[1], mc_item("短", {"甲", "乙", "丙"}, 1),
                                     mc_item("a somewhat longer question?", {"p", "q", "r", "s"}, 2)};
  for (const MCItem& item : items) {
    prompts.push_back(encode_mc_text(tokenizer, render_mc_prompt(f, "archive", {}, item)));
    letters.emplace_back();
    for (size_t j = 0; j < item.choices.size(); ++j) letters.back().push_back('A' + 3 + static_cast<int64_t>(j));
  }
  const std::vector<MCScore> batched = score_mc_prompts(*model, prompts, letters, 0, 3, nullptr);
  REQUIRE(batched.size() == items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    INFO("prompt " << i);
    const std::vector<double> expected = reference_logprobs(*model, prompts[i], letters[i]);
    REQUIRE(batched[i].logprobs.size() == expected.size());
    double sum = 0;
    for (size_t j = 0; j < expected.size(); ++j) {
      CHECK(batched[i].logprobs[j] == Approx(expected[j]).margin(1e-5));
      sum += batched[i].probs[j];
    }
    CHECK(sum == Approx(1.0).margin(1e-9));
    const size_t argmax = static_cast<size_t>(std::max_element(expected.begin(), expected.end()) - expected.begin());
    CHECK(batched[i].predicted == argmax);
  }
}

TEST_CASE("accuracy per subject, macro and micro averages, duplicates", "[mc]") {
  // Subject a: 3 of 4 right; subject b: 1 of 2 right.
  std::vector<MCItemResult> results;
  for (auto [subject, right] : std::vector<std::pair<std::string, bool>>{
           {"a", true}, {"a", true}, {"a", false}, {"a", true}, {"b", false}, {"b", true}}) {
    MCItemResult r;
    r.subject = subject;
    r.gold = 1;
    r.score.predicted = right ? 1 : 2;
    results.push_back(r);
  }
  std::map<std::string, MCSubjectStats> stats;
  stats["a"].rows = 10;
  stats["a"].duplicates = 1;
  stats["b"].rows = 2;
  const MCSummary s = summarize_mc(results, stats);
  CHECK(s.subjects.at("a").accuracy() == Approx(0.75));
  CHECK(s.subjects.at("b").accuracy() == Approx(0.5));
  CHECK(s.macro_accuracy == Approx(0.625));
  CHECK(s.micro_accuracy == Approx(4.0 / 6.0));
  CHECK(s.items == 6);
  CHECK(s.correct == 4);
  CHECK(s.duplicates == 1);
  CHECK(s.subjects.at("a").rows == 10);

  const MCItem x = mc_item("q", {"a", "b"}, 0, 0);
  MCItem x_again = x;
  x_again.row = 5;  // same content on another row: a duplicate
  CHECK(count_duplicate_items({x, mc_item("q", {"a", "b"}, 1, 1), x_again, x}) == 2);
}

TEST_CASE("evaluate_mc on a written benchmark: counts, shots, max_items, a 3-option row", "[mc]") {
  TempDir dir("mc-bench");
  fs::create_directories(dir.path + "/dev");
  fs::create_directories(dir.path + "/test");
  write_mc_csv(dir.path + "/dev/alpha.csv", {mc_item("d1", {"a", "b", "c", "d"}, 0), mc_item("d2", {"a", "b", "c", "d"}, 1)});
  write_mc_csv(dir.path + "/dev/beta.csv", {mc_item("e1", {"a", "b", "c", "d"}, 2)});
  write_mc_csv(dir.path + "/test/alpha.csv", {mc_item("t1", {"a", "b", "c", "d"}, 0), mc_item("t2", {"x", "y", "z"}, 2),
                                              mc_item("t1", {"a", "b", "c", "d"}, 0), mc_item("t4", {"a", "b", "c", "d"}, 3)});
  write_mc_csv(dir.path + "/test/beta.csv", {mc_item("u1", {"a", "b", "c", "d"}, 1), mc_item("u2", {"a", "b", "c", "d"}, 3)});
  const MCBenchmark bench = read_mc_benchmark(dir.path);
  auto model = tiny_llama(259, 256, 0.5, 9);
  ByteTokenizer tokenizer;
  MCOptions o;
  o.format = arcmmlu_format();
  o.shots = 2;
  o.max_items = 3;
  o.progress = false;
  const MCEvaluation e = evaluate_mc(*model, tokenizer, bench, o);
  REQUIRE(e.items.size() == 5);  // 3 of alpha, both of beta
  CHECK(e.summary.subjects.at("alpha").items == 3);
  CHECK(e.summary.subjects.at("alpha").rows == 4);
  CHECK(e.summary.subjects.at("alpha").duplicates == 1);
  CHECK(e.summary.subjects.at("beta").items == 2);
  CHECK(e.items[0].shots == 2);
  CHECK(e.items[3].shots == 1);  // beta's dev file has one row
  CHECK(e.items[1].score.probs.size() == 3);
  CHECK(e.max_length == 256);
  const nlohmann::json m = mc_metrics_json(e, o);
  CHECK(m["format"] == "arcmmlu");
  CHECK(m["shots"] == 2);
  CHECK(m["items"] == 5);
  CHECK(m["subjects"]["alpha"]["duplicates"] == 1);
  CHECK(m["letter_tokens"]["A"]["piece"] == "A");
  CHECK(m["prompts"]["fewer_shots"] == 2);
  const nlohmann::json row = mc_prediction_json(e.items[1]);
  CHECK(row["subject"] == "alpha");
  CHECK(row["row"] == 1);
  CHECK(row["gold"] == "C");
  CHECK(row["probs"].size() == 3);

  o.subjects = {"gamma"};
  CHECK_THROWS_WITH(evaluate_mc(*model, tokenizer, bench, o), Catch::Contains("no test file for subject \"gamma\""));
  o.subjects = {};
  o.shots = 6;
  CHECK_THROWS_WITH(evaluate_mc(*model, tokenizer, bench, o), Catch::Contains("eval.mc.shots must be between 0 and 5"));
  o.shots = 0;
  auto small = tiny_llama(40, 256, 0.5, 9);  // byte ids beyond its vocabulary
  CHECK_THROWS_WITH(evaluate_mc(*small, tokenizer, bench, o), Catch::Contains("outside the model's vocabulary of 40"));
}

TEST_CASE("llmedit run eval.mc on ArcMMLU with a random tiny Llama sized to the llama2 tokenizer", "[mc][cli]") {
  require_shared_or_skip("data/arcmmlu");
  require_shared_or_skip("fixtures/tokenizers/llama2-spm");
  TempDir dir("mc-cli");
  const std::string tokenizer = shared_path("fixtures/tokenizers/llama2-spm");
  const int64_t vocab = load_tokenizer(tokenizer)->vocab_size();
  save_hf_checkpoint(*tiny_llama(vocab, 512, 0.02, 3), dir.path + "/model");
  const nlohmann::json config = {{"job", "eval"},
                                 {"threads", 1},
                                 {"model", {{"path", dir.path + "/model"}, {"tokenizer", tokenizer}}},
                                 {"eval", {{"mc", {{"data", shared_path("data/arcmmlu")},
                                                   {"format", "arcmmlu"},
                                                   {"shots", 5},
                                                   {"max_items", 20},
                                                   {"batch_size", 8}}}}},
                                 {"output", {{"dir", dir.path + "/run"}}}};
  std::ofstream(dir.path + "/mc.json") << config.dump(2);
  const CommandResult run = run_cli("run " + shell_quote(dir.path + "/mc.json"));
  INFO(run.error);
  REQUIRE(run.exit_code == 0);

  const nlohmann::json m = nlohmann::json::parse(read_text_file(dir.path + "/run/metrics.json"))["mc"];
  CHECK(m["format"] == "arcmmlu");
  CHECK(m["shots"] == 5);
  CHECK(m["max_length"] == 512);
  CHECK(m["subjects"]["archive"]["items"] == 20);
  CHECK(m["subjects"]["archive"]["rows"] == 2213);
  CHECK(m["subjects"]["library"]["rows"] == 804);
  CHECK(m["items"] == 40);
  CHECK(m["prompts"]["fewer_shots"].get<int64_t>() > 0);  // five Chinese shots exceed 512 tokens
  const double macro = m["accuracy"]["macro"], micro = m["accuracy"]["micro"];
  CHECK(micro == Approx((m["subjects"]["archive"]["accuracy"].get<double>() +
                         m["subjects"]["library"]["accuracy"].get<double>()) / 2));  // equal counts
  CHECK(macro == Approx(micro));

  const auto rows = read_jsonl(dir.path + "/run/predictions.jsonl");
  REQUIRE(rows.size() == 40);
  double gold_probability = 0;
  for (const auto& row : rows) {
    double sum = 0;
    for (const auto& [letter, p] : row["probs"].items()) sum += p.get<double>();
    CHECK(sum == Approx(1.0).margin(1e-9));
    CHECK(row["prompt_tokens"].get<int64_t>() <= 512);
    gold_probability += row["probs"][row["gold"].get<std::string>()].get<double>() / static_cast<double>(rows.size());
  }
  // A random model is a coin with four faces: the gold letter gets about 1/4 of the mass, and
  // accuracy lies within four binomial standard deviations of 1/4.
  CHECK(gold_probability == Approx(0.25).margin(0.03));
  CHECK(std::abs(micro - 0.25) <= 4 * std::sqrt(0.25 * 0.75 / 40.0));
  CHECK(fs::exists(dir.path + "/run/summary.md"));
  CHECK(read_text_file(dir.path + "/run/summary.md").find("questions/s") != std::string::npos);

  // Config errors are one line with exit code 2, before any model is loaded.
  nlohmann::json bad = config;
  bad["eval"]["mc"]["shots"] = 7;
  bad["output"]["dir"] = dir.path + "/bad1";
  std::ofstream(dir.path + "/bad1.json") << bad.dump();
  const CommandResult r1 = run_cli("run " + shell_quote(dir.path + "/bad1.json"));
  CHECK(r1.exit_code == 2);
  CHECK(r1.error.find("eval.mc.shots") != std::string::npos);
  bad["eval"]["mc"]["shots"] = 0;
  bad["eval"]["mc"]["template"] = {{"header", "x"}};
  bad["output"]["dir"] = dir.path + "/bad2";
  std::ofstream(dir.path + "/bad2.json") << bad.dump();
  const CommandResult r2 = run_cli("run " + shell_quote(dir.path + "/bad2.json"));
  CHECK(r2.exit_code == 2);
  CHECK(r2.error.find("eval.mc.template.header applies only when eval.mc.format is \"custom\"") != std::string::npos);
}

TEST_CASE("the shipped multiple-choice configs resolve", "[mc][cli]") {
  for (const char* file : {"configs/eval/arcmmlu.json", "configs/eval/world_mc.json"}) {
    const CommandResult r = run_cli("config explain " + shell_quote(std::string(LLMEDIT_SOURCE_DIR) + "/" + file));
    INFO(file << ": " << r.error);
    CHECK(r.exit_code == 0);
    CHECK(r.output.find("eval.mc.data") != std::string::npos);
  }
}
