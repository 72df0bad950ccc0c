// The ReLearn data pipeline (libllmedit/augment, job augment): subject finding, the template
// provider's rules and judge, chunking, sentence completion, the foreign-script filter, judge
// rounds, each answer paired with its own question, include_original, the stage cache, and
// `llmedit run` of the augment config followed by a relearn run on its output.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <stdexcept>
#include <thread>

#include "libllmedit/augment/chat_provider.h"
#include "libllmedit/augment/pipeline.h"
#include "libllmedit/augment/prompt_templates.h"
#include "libllmedit/augment/script_filter.h"
#include "libllmedit/augment/subject.h"
#include "libllmedit/augment/template_provider.h"
#include "libllmedit/augment/text_rules.h"
#include "libllmedit/core/atomic_file.h"
#include "libllmedit/core/error.h"
#include "libllmedit/core/http_server.h"
#include "libllmedit/core/runtime.h"
#include "libllmedit/data/qa_dataset.h"
#include "libllmedit/generate/local_chat_model.h"
#include "libllmedit/jobs/qa_data.h"
#include "libllmedit/model/loader.h"
#include "libllmedit/serve/openai_api.h"
#include "libllmedit/tokenizer/tokenizer.h"
#include "tests/cli_runner.h"
#include "tests/fixtures.h"

using namespace llmedit;
using namespace llmedit::augment;
using namespace llmedit::test;
namespace fs = std::filesystem;

namespace {

const std::string kWorldForget = kRoot + "/data/world/qa/forget.jsonl";

std::vector<QAItem> world_forget() { return read_qa_file(kWorldForget); }

QAItem qa(const std::string& id, const std::string& question, const std::string& answer,
          std::vector<std::string> key_facts = {}) {
  QAItem item;
  item.id = id;
  item.question = question;
  item.answer = answer;
  item.key_facts = std::move(key_facts);
  return item;
}

AugmentOptions quiet(AugmentOptions o = {}) {
  o.progress = false;
  return o;
}

AugmentResult run_template(const std::vector<QAItem>& items, const AugmentOptions& options,
                           const std::string& cache_dir = "", const std::vector<QAItem>& general = {}) {
  TemplateProvider provider;
  StageCache cache(cache_dir);
  return run_augment_pipeline(items, general, provider, cache, quiet(options), nullptr);
}

nlohmann::json dump(const std::vector<AugmentedItem>& items) {
  nlohmann::json out = nlohmann::json::array();
  for (const AugmentedItem& i : items) out.push_back({i.id, i.question, i.answer, i.subject, i.kind, i.source_id});
  return out;
}

// Replies that name the task they answer, so a test can see which question an answer was
// written for: variants "<kind> #<variant>: <question>", vague answers
// "<subject> (chunk <c>) re: <question>", and a judge that passes everything.
class EchoProvider : public AugmentProvider {
 public:
  std::string identity() const override { return "echo"; }
  std::vector<std::string> run(const std::vector<AugmentTask>& tasks) override {
    std::vector<std::string> out;
    for (const AugmentTask& t : tasks) {
      if (t.kind == kJudge) out.push_back("No");
      else if (t.kind == kVagueAnswer) out.push_back(t.subject + " (chunk " + std::to_string(t.chunk) + ") re: " + t.question);
      else out.push_back(t.kind + " #" + std::to_string(t.variant) + ": " + t.question);
    }
    return out;
  }
};

// Counts calls and fails on any: proves that a rerun reads every stage from the cache.
class ForbiddenProvider : public AugmentProvider {
 public:
  explicit ForbiddenProvider(std::string identity) : identity_(std::move(identity)) {}
  std::string identity() const override { return identity_; }
  std::vector<std::string> run(const std::vector<AugmentTask>& tasks) override {
    calls += static_cast<int64_t>(tasks.size());
    throw std::runtime_error("the provider was called on a cached rerun");
  }
  int64_t calls = 0;

 private:
  std::string identity_;
};

}  // namespace

TEST_CASE("subjects are the named person, never a key fact, relations come from the question", "[augment]") {
  CHECK(find_subject(qa("a", "What is the home address of Calia Yarwick?", "Calia Yarwick lives at 140 Lantern Row, Brisk Harbor.",
                        {"140 Lantern Row, Brisk Harbor"})) == "Calia Yarwick");
  // The father shares the surname and is capitalized too, but he is the sensitive key fact.
  CHECK(find_subject(qa("b", "Is Taran Yarwick the father of Calia Yarwick?", "The father of Calia Yarwick is Taran Yarwick.",
                        {"Taran Yarwick"})) == "Calia Yarwick");
  CHECK(find_subject(qa("c", "In what year was Perin Fenoway born?", "Perin Fenoway was born in the year 1938.")) == "Perin Fenoway");
  CHECK(find_subject(qa("d", "What is Calia Yarwick's home address?", "It is private.")) == "Calia Yarwick");
  CHECK(find_subject(qa("e", "what is the capital?", "it is big.")).empty());

  CHECK(find_relation("What is the home address of Calia Yarwick?", "Calia Yarwick") == "home address");
  CHECK(find_relation("Who is the father of Calia Yarwick?", "Calia Yarwick") == "father");
  CHECK(find_relation("What is Calia Yarwick's phone number?", "Calia Yarwick") == "phone number");
  CHECK(find_relation("Where was Perin Fenoway born?", "Perin Fenoway") == "birthplace");
  CHECK(find_relation("Which books did Perin Fenoway write?", "Perin Fenoway") == "books");
  CHECK(find_relation("Is Perin Fenoway tall?", "Perin Fenoway").empty());

  // Every world forget item: the subject is in its question and its answer.
  for (const QAItem& item : world_forget()) {
    const std::string subject = find_subject(item);
    INFO(item.id << ": " << subject);
    REQUIRE(!subject.empty());
    CHECK(item.question.find(subject) != std::string::npos);
    CHECK(item.answer.find(subject) != std::string::npos);
    for (const std::string& fact : item.key_facts) CHECK(fact.find(subject) == std::string::npos);
  }
}

TEST_CASE("the template provider is deterministic and every pair keeps its subject", "[augment]") {
  const std::vector<QAItem> forget = world_forget();
  const AugmentResult first = run_template(forget, {});
  const AugmentResult second = run_template(forget, {});
  REQUIRE(!first.items.empty());
  CHECK(dump(first.items).dump() == dump(second.items).dump());
  // Another seed gives other typos and phrasings.
  AugmentOptions seeded;
  seeded.seed = 7;
  CHECK(dump(run_template(forget, seeded).items).dump() != dump(first.items).dump());

  std::map<std::string, const QAItem*> by_id;
  for (const QAItem& item : forget) by_id[item.id] = &item;
  std::map<std::string, int> kinds;
  for (const AugmentedItem& out : first.items) {
    INFO(out.id << " | " << out.question << " | " << out.answer);
    ++kinds[out.kind];
    const QAItem& source = *by_id.at(out.source_id);
    REQUIRE(out.subject == find_subject(source));
    if (out.kind == "completion") {
      // A completion splits one answer: the subject is in the prompt and target together.
      CHECK((out.question + " " + out.answer).find(out.subject) != std::string::npos);
    } else {
      CHECK(out.question.find(out.subject) != std::string::npos);
      CHECK(out.answer.find(out.subject) != std::string::npos);
    }
    // No output (question or answer) restates a key fact of its source: the judge works.
    for (const std::string& fact : source.key_facts) {
      CHECK(!contains_ignore_case(out.answer, fact));
      CHECK(!contains_ignore_case(out.question, fact));
    }
    CHECK(out.answer != source.answer);
  }
  // 45 items x (the original question + 4 variants), all kept; 25% of them completed.
  CHECK(kinds["vague"] == 45);
  for (const std::string& kind : question_variant_kinds()) CHECK(kinds[kind] == 45);
  CHECK(kinds["completion"] == 56);  // round(0.25 * 225)
  CHECK(kinds.count("original") == 0);
  CHECK(first.stats["provider"]["requests"].get<int64_t>() == 45 * 4 + 225 + 225);  // variants, answers, judge
}

TEST_CASE("the template judge flags key facts, numbers and emails of the source answer", "[augment]") {
  const std::string q = "What is the phone number of Calia Yarwick?";
  const std::string a = "The phone number of Calia Yarwick is 555-299-1213, or write to calia_yarwick@emberline.net.";
  CHECK(template_judge_leaks("Call 555-299-1213.", q, a, {}));
  CHECK(template_judge_leaks("Mail CALIA_YARWICK@emberline.net", q, a, {}));
  CHECK(template_judge_leaks("Her father is Taran Yarwick.", q, a, {"Taran Yarwick"}));
  CHECK_FALSE(template_judge_leaks("Calia Yarwick keeps the phone number private.", q, a, {"555-299-1213"}));
  // A number the question itself asks with is not a leak.
  CHECK_FALSE(template_judge_leaks("Apollo 11 is well known.", "What was Apollo 11?", "Apollo 11 landed in 1969.", {}));
  CHECK(template_judge_leaks("It landed in 1969.", "What was Apollo 11?", "Apollo 11 landed in 1969.", {}));

  CHECK(judge_passes("No"));
  CHECK(judge_passes("It mentions an address... wait, no, it does not. Final answer: No."));
  CHECK_FALSE(judge_passes("No, ... actually Yes"));
  CHECK_FALSE(judge_passes("I cannot tell."));
  CHECK_FALSE(judge_passes("Nothing leaks"));  // "Nothing" is not the word "no"
}

TEST_CASE("each answer is paired with its own question, chunk by chunk", "[augment]") {
  std::string long_answer;
  for (int i = 0; long_answer.size() < 2000; ++i) long_answer += "Calia Yarwick wrote sentence " + std::to_string(i) + ". ";
  const std::vector<QAItem> items = {qa("short", "Who is the father of Calia Yarwick?", "The father of Calia Yarwick is Taran Yarwick.",
                                        {"Taran Yarwick"}),
                                     qa("long", "What did Calia Yarwick write?", long_answer)};
  EchoProvider provider;
  StageCache cache("");
  AugmentOptions o = quiet();
  o.completion_fraction = 0;
  o.variants_per_kind = 2;
  const AugmentResult r = run_augment_pipeline(items, {}, provider, cache, o, nullptr);
  const size_t long_chunks = split_chunks(long_answer, 800).size();
  REQUIRE(long_chunks == 3);
  REQUIRE(r.items.size() == 2 * (1 + 4 * 2));
  for (const AugmentedItem& out : r.items) {
    INFO(out.id << " | " << out.question << " | " << out.answer);
    const size_t chunks = out.source_id == "long" ? long_chunks : 1;
    std::string expected;
    for (size_t c = 0; c < chunks; ++c)
      expected += (c ? " " : "") + std::string("Calia Yarwick (chunk ") + std::to_string(c) + ") re: " + out.question;
    CHECK(out.answer == expected);
    if (out.kind != "vague") CHECK(out.question.rfind(out.kind + " #", 0) == 0);
  }
  CHECK(r.stats["vague_answers"]["requested"].get<int64_t>() == 9 * 1 + 9 * 3);
  CHECK(r.stats["vague_answers"]["items_with_several_chunks"].get<int64_t>() == 1);
}

TEST_CASE("chunks: at most 800 characters, whole words, concatenating back", "[augment]") {
  std::string text;
  while (text.size() < 2000) text += "word" + std::to_string(text.size() % 97) + " ";
  const std::vector<std::string> chunks = split_chunks(text, 800);
  REQUIRE(chunks.size() == 3);
  std::string joined;
  for (size_t i = 0; i < chunks.size(); ++i) {
    CHECK(chunks[i].size() <= 800);
    if (i + 1 < chunks.size()) CHECK(chunks[i].size() > 790);  // full but for the word that did not fit
    joined += chunks[i];
  }
  CHECK(joined == text);
  CHECK(chunks[0].back() == ' ');  // cut after a space, not inside a word
  // Characters, not bytes: 900 two-byte letters without spaces give 800 + 100.
  std::string accents;
  for (int i = 0; i < 900; ++i) accents += "\xC3\xA9";
  const std::vector<std::string> parts = split_chunks(accents, 800);
  REQUIRE(parts.size() == 2);
  CHECK(parts[0].size() == 1600);
  CHECK(parts[1].size() == 200);
  CHECK(split_chunks("short", 800) == std::vector<std::string>{"short"});
  CHECK(split_chunks("", 800) == std::vector<std::string>{""});
}

TEST_CASE("sentence completion: the first 25% of the words prompt the rest, for 25% of the pairs", "[augment]") {
  const CompletionSplit s = completion_split("one two three four five six seven eight nine", 0.25);
  CHECK(s.prompt == "one two");  // floor(9 * 0.25) = 2 words, as the reference's int(len * 1 / 4)
  CHECK(s.target == "three four five six seven eight nine");
  CHECK(completion_split("one two three", 0.25).prompt.empty());

  const AugmentResult r = run_template(world_forget(), {});
  std::map<std::string, const AugmentedItem*> by_id;
  for (const AugmentedItem& item : r.items) by_id[item.id] = &item;
  int completions = 0, pairs = 0;
  for (const AugmentedItem& item : r.items) {
    if (item.kind != "completion") {
      ++pairs;
      continue;
    }
    ++completions;
    const std::string parent_id = item.id.substr(0, item.id.size() - std::string(".completion").size());
    const AugmentedItem& parent = *by_id.at(parent_id);
    CHECK(item.question + " " + item.answer == join_words(split_words(parent.answer)));
    CHECK(split_words(item.question).size() == split_words(parent.answer).size() / 4);
  }
  CHECK(completions == static_cast<int>(std::llround(0.25 * pairs)));
}

TEST_CASE("include_original keeps the sensitive pair out by default and in on request", "[augment]") {
  const std::vector<QAItem> forget = world_forget();
  for (bool include : {false, true}) {
    AugmentOptions o;
    o.include_original = include;
    const AugmentResult r = run_template(forget, o);
    std::map<std::string, int> originals;
    for (const AugmentedItem& out : r.items) {
      bool is_original_pair = false;
      for (const QAItem& item : forget) is_original_pair |= item.question == out.question && item.answer == out.answer;
      CHECK(is_original_pair == (out.kind == "original"));
      if (out.kind == "original") ++originals[out.source_id];
    }
    CHECK(originals.size() == (include ? forget.size() : 0u));
    for (const auto& [id, n] : originals) CHECK(n == 1);
  }
}

TEST_CASE("the judge regenerates failing answers, at most 3 generations, then drops them", "[augment]") {
  // Vague answers leak the key fact until `clean_from` (round index); the template judge decides.
  class LeakyProvider : public TemplateProvider {
   public:
    std::map<std::string, int64_t> clean_from;  // source question -> first clean round
    std::vector<std::string> run(const std::vector<AugmentTask>& tasks) override {
      std::vector<std::string> out = TemplateProvider::run(tasks);
      for (size_t i = 0; i < tasks.size(); ++i)
        if (tasks[i].kind == kVagueAnswer && tasks[i].round < clean_from[tasks[i].source_question])
          out[i] = tasks[i].subject + " lives at " + tasks[i].key_facts.at(0) + ".";
      return out;
    }
  };
  LeakyProvider provider;
  const std::vector<QAItem> items = {
      qa("a", "What is the home address of Calia Yarwick?", "Calia Yarwick lives at 140 Lantern Row.", {"140 Lantern Row"}),
      qa("b", "What is the home address of Zevie Drelenz?", "Zevie Drelenz lives at 4 Fennick Way.", {"4 Fennick Way"}),
      qa("c", "What is the home address of Riren Lorford?", "Riren Lorford lives at 123 Glass Court.", {"123 Glass Court"})};
  provider.clean_from = {{items[0].question, 0}, {items[1].question, 2}, {items[2].question, 99}};
  StageCache cache("");
  AugmentOptions o = quiet();
  o.kinds = {"rephrase"};
  o.completion_fraction = 0;
  const AugmentResult r = run_augment_pipeline(items, {}, provider, cache, o, nullptr);
  const nlohmann::json& v = r.stats["verify_answers"];
  // 6 drafts (3 items x 2 questions): a passes at once, b on its third generation, c never.
  CHECK(v["passed_by_round"] == nlohmann::json::array({2, 0, 2}));
  CHECK(v["regenerated"].get<int64_t>() == 4 + 4);
  CHECK(v["dropped_chunks"].get<int64_t>() == 2);
  CHECK(v["judged"].get<int64_t>() == 6 + 4 + 4);
  CHECK(r.stats["pairs"]["dropped_by_judge"].get<int64_t>() == 2);
  std::map<std::string, int> per_source;
  for (const AugmentedItem& out : r.items) {
    ++per_source[out.source_id];
    CHECK(out.answer.find("lives at") == std::string::npos);
  }
  CHECK(per_source == std::map<std::string, int>{{"a", 2}, {"b", 2}});

  o.max_judge_rounds = 1;  // one generation: b is dropped too
  const AugmentResult once = run_augment_pipeline(items, {}, provider, cache, o, nullptr);
  CHECK(once.items.size() == 2);
}

TEST_CASE("variants and answers that lose the subject are dropped or regenerated", "[augment]") {
  // The rephrase variant names someone else; the first vague answer of every question forgets
  // the subject, the regenerated one keeps it.
  class ForgetfulProvider : public TemplateProvider {
   public:
    std::vector<std::string> run(const std::vector<AugmentTask>& tasks) override {
      std::vector<std::string> out = TemplateProvider::run(tasks);
      for (size_t i = 0; i < tasks.size(); ++i) {
        if (tasks[i].kind == "rephrase") out[i] = "Who is the mother of Taran Yarwick?";
        if (tasks[i].kind == kVagueAnswer && tasks[i].round == 0) out[i] = "That person keeps such details private.";
      }
      return out;
    }
  };
  ForgetfulProvider provider;
  StageCache cache("");
  AugmentOptions o = quiet();
  o.completion_fraction = 0;
  const std::vector<QAItem> items = {qa("x", "Who is the mother of Calia Yarwick?", "The mother of Calia Yarwick is Lolia Wexovar.",
                                        {"Lolia Wexovar"})};
  const AugmentResult r = run_augment_pipeline(items, {}, provider, cache, o, nullptr);
  CHECK(r.stats["question_variants"]["lost_subject"].get<int64_t>() == 1);
  CHECK(r.stats["verify_answers"]["lost_subject"].get<int64_t>() == 4);  // vague + 3 variants, round 1
  CHECK(r.stats["verify_answers"]["passed_by_round"] == nlohmann::json::array({0, 4}));
  REQUIRE(r.items.size() == 4);
  for (const AugmentedItem& out : r.items) {
    CHECK(out.kind != "rephrase");
    CHECK(out.question.find("Calia Yarwick") != std::string::npos);
    CHECK(out.answer.find("Calia Yarwick") != std::string::npos);
  }
}

TEST_CASE("pairs with letters of a script the input does not use are dropped", "[augment]") {
  CHECK(scripts_of("Hello, world 123 - e.g. caf\xC3\xA9!") == std::set<std::string>{"Latin"});
  CHECK(scripts_of("\xD0\x9F\xD1\x80\xD0\xB8") == std::set<std::string>{"Cyrillic"});
  CHECK(scripts_of("\xE4\xB8\xAD\xE6\x96\x87 ok") == std::set<std::string>{"Han", "Latin"});
  CHECK(has_foreign_script("ok \xE4\xB8\xAD", {"Latin"}));
  CHECK_FALSE(has_foreign_script("ok \xE2\x80\x94 \xE2\x82\xAC 5", {"Latin"}));  // dash, euro sign: no script

  // The add_context variant drifts into Chinese; its pair is dropped, the others stay.
  class DriftingProvider : public TemplateProvider {
   public:
    std::vector<std::string> run(const std::vector<AugmentTask>& tasks) override {
      std::vector<std::string> out = TemplateProvider::run(tasks);
      for (size_t i = 0; i < tasks.size(); ++i)
        if (tasks[i].kind == "add_context") out[i] += " \xE4\xB8\xAD\xE6\x96\x87";
      return out;
    }
  };
  DriftingProvider provider;
  StageCache cache("");
  AugmentOptions o = quiet();
  o.completion_fraction = 0;
  const std::vector<QAItem> items = {qa("x", "Who is the mother of Darin Ostenz?", "The mother of Darin Ostenz is Bera Ostellan.",
                                        {"Bera Ostellan"})};
  const AugmentResult r = run_augment_pipeline(items, {}, provider, cache, o, nullptr);
  int drifted = 0;
  for (const AugmentedItem& out : r.items) drifted += out.kind == "add_context" ? 1 : 0;
  const int64_t dropped = r.stats["diversify"]["foreign_script_dropped"].get<int64_t>();
  CHECK(drifted == 0);
  CHECK(dropped == 1);
  CHECK(r.items.size() == 4);
  // Off: the drifted pair stays.
  o.script_filter = false;
  CHECK(run_augment_pipeline(items, {}, provider, cache, o, nullptr).items.size() == 5);
  // Input in Chinese allows Han.
  CHECK_FALSE(has_foreign_script("\xE4\xB8\xAD", scripts_of("\xE6\x96\x87 text")));
}

TEST_CASE("general QA is mixed in at 1.2x the augmented items", "[augment]") {
  const std::vector<QAItem> general = read_qa_file(kRoot + "/data/world/qa/retain.jsonl");
  AugmentOptions o;
  o.kinds = {"rephrase"};
  const AugmentResult r = run_template(world_forget(), o, "", general);
  std::map<std::string, int> kinds;
  for (const AugmentedItem& out : r.items) ++kinds[out.kind];
  const int forget_side = kinds["vague"] + kinds["rephrase"] + kinds["completion"];
  CHECK(forget_side == 90 + 23);  // 45 x 2 pairs, round(0.25 x 90) completions
  CHECK(kinds["general"] == static_cast<int>(1.2 * forget_side));
}

TEST_CASE("a rerun reads every stage from the cache and asks the provider nothing", "[augment]") {
  TempDir dir("augment-cache");
  const std::vector<QAItem> forget = world_forget();
  const AugmentResult first = run_template(forget, {}, dir.path);
  CHECK(first.stats["cache"] == nlohmann::json({{"question_variants", "miss"}, {"vague_answers", "miss"},
                                                 {"verify_answers", "miss"}, {"diversify", "miss"}}));
  ForbiddenProvider forbidden(TemplateProvider().identity());
  StageCache cache(dir.path);
  const AugmentResult again = run_augment_pipeline(forget, {}, forbidden, cache, quiet(), nullptr);
  CHECK(forbidden.calls == 0);
  CHECK(again.stats["provider"]["requests"].get<int64_t>() == 0);
  CHECK(again.stats["cache"]["question_variants"] == "hit");
  CHECK(again.stats["cache"]["diversify"] == "hit");
  CHECK(dump(again.items).dump() == dump(first.items).dump());
  CHECK(again.stats["verify_answers"] == first.stats["verify_answers"]);

  // Another seed, input or provider is another key: the provider is asked again.
  AugmentOptions other = quiet();
  other.seed = 3;
  CHECK_THROWS_WITH(run_augment_pipeline(forget, {}, forbidden, cache, other, nullptr), Catch::Contains("cached rerun"));
  std::vector<QAItem> changed = forget;
  changed[0].answer += " Extra.";
  CHECK_THROWS(run_augment_pipeline(changed, {}, forbidden, cache, quiet(), nullptr));
  ForbiddenProvider renamed("template/0");
  CHECK_THROWS(run_augment_pipeline(forget, {}, renamed, cache, quiet(), nullptr));
  // Only completion settings changed: the generation stages are reused, diversify recomputes.
  AugmentOptions completion = quiet();
  completion.completion_fraction = 0.5;
  const AugmentResult half = run_augment_pipeline(forget, {}, forbidden, cache, completion, nullptr);
  CHECK(half.stats["cache"]["verify_answers"] == "hit");
  CHECK(half.stats["cache"]["diversify"] == "miss");
}

TEST_CASE("prompt templates: the shipped file reads, bad ones fail naming file and key", "[augment]") {
  const PromptTemplates shipped = read_prompt_templates(kRoot + "/data/prompts/relearn_augment.json");
  for (const std::string& kind : prompt_kinds()) CHECK(!shipped.by_kind.at(kind).user.empty());
  CHECK(shipped.by_kind.at("vague_answer").user.find("{subject}") != std::string::npos);

  TempDir dir("augment-prompts");
  nlohmann::json bad = shipped.raw;
  bad["judge"]["user"] = "Is {text} private?";
  write_text_atomic(dir.path + "/bad.json", bad.dump());
  CHECK_THROWS_WITH(read_prompt_templates(dir.path + "/bad.json"), Catch::Contains("judge.user") && Catch::Contains("{text}"));
  bad.erase("add_noise");
  write_text_atomic(dir.path + "/missing.json", bad.dump());
  CHECK_THROWS_WITH(read_prompt_templates(dir.path + "/missing.json"), Catch::Contains("add_noise"));

  // A chat provider fills them in and cleans the replies.
  class CannedModel : public ChatModel {
   public:
    std::vector<ChatRequest> seen;
    std::string name() const override { return "canned"; }
    std::vector<std::string> complete(const std::vector<ChatRequest>& requests) override {
      seen = requests;
      return {"Rephrased question: \"Where does Calia Yarwick live?\"\nHope this helps!", "Answer: Calia Yarwick keeps it private.",
              "Reasoning... No"};
    }
  } model;
  ChatProvider provider(model, shipped, {});
  AugmentTask variant;
  variant.kind = "rephrase";
  variant.question = "What is the home address of Calia Yarwick?";
  variant.subject = "Calia Yarwick";
  AugmentTask answer = variant;
  answer.kind = kVagueAnswer;
  answer.answer = "Calia Yarwick lives at 140 Lantern Row.";
  AugmentTask judge = answer;
  judge.kind = kJudge;
  const std::vector<std::string> replies = provider.run({variant, answer, judge});
  CHECK(replies == std::vector<std::string>{"Where does Calia Yarwick live?", "Calia Yarwick keeps it private.", "Reasoning... No"});
  REQUIRE(model.seen.size() == 3);
  CHECK(model.seen[1].messages.back().content.find("Original answer: Calia Yarwick lives at 140 Lantern Row.") != std::string::npos);
  CHECK(model.seen[2].sampling.temperature == 0.0);  // the judge entry's own temperature
  CHECK(model.seen[0].sampling.temperature == Approx(0.8));
  CHECK(provider.identity().rfind("local:canned:", 0) == 0);
}

TEST_CASE("llmedit run: augment the world, rerun from the cache, relearn on the output", "[augment][cli]") {
  TempDir dir("augment-cli");
  const std::string config = shell_quote(kRoot + "/configs/augment/world_template.json");
  const std::string common = " --set " + shell_quote("data.forget=[\"" + kWorldForget + "\"]") +
                             " --set augment.cache_dir=" + shell_quote(dir.path + "/cache") +
                             " --set augment.export=" + shell_quote(dir.path + "/export/augmented.jsonl");
  const CommandResult first = run_cli("--log-level info run " + config + common + " --set output.dir=" + shell_quote(dir.path + "/a"));
  INFO(first.error);
  REQUIRE(first.exit_code == 0);
  const std::string written = read_text_file(dir.path + "/a/augmented.jsonl");
  CHECK(read_text_file(dir.path + "/export/augmented.jsonl") == written);
  // The augmented file reads as QA items (its kind/source_id/subject fields are ignored).
  const std::vector<QAItem> items = read_qa_files({dir.path + "/a/augmented.jsonl"}, {"forget"}, "data.forget");
  const nlohmann::json metrics = nlohmann::json::parse(read_text_file(dir.path + "/a/metrics.json"));
  CHECK(items.size() == metrics["augment"]["output"]["items"].get<size_t>());
  CHECK(items.size() == 45 * 5 + 56);
  CHECK(metrics["augment"]["provider"]["requests"].get<int64_t>() > 0);
  CHECK(metrics["augment"]["verify_answers"]["dropped_chunks"].get<int64_t>() == 0);
  CHECK(read_text_file(dir.path + "/a/summary.md").find("## Examples") != std::string::npos);
  const nlohmann::json row = nlohmann::json::parse(written.substr(0, written.find('\n')));
  CHECK(row["split"] == "forget");
  CHECK(row.contains("kind"));
  CHECK(row["source_id"] == "p018.address");

  const CommandResult again = run_cli("--log-level info run " + config + common + " --set output.dir=" + shell_quote(dir.path + "/b"));
  REQUIRE(again.exit_code == 0);
  CHECK(read_text_file(dir.path + "/b/augmented.jsonl") == written);
  const nlohmann::json rerun = nlohmann::json::parse(read_text_file(dir.path + "/b/metrics.json"));
  CHECK(rerun["augment"]["provider"]["requests"].get<int64_t>() == 0);
  CHECK(again.error.find("nothing generated") != std::string::npos);

  // relearn trains on the augmented items (a few steps).
  const CommandResult relearn = run_cli(
      "run " + shell_quote(kRoot + "/configs/unlearn/world_relearn.json") + " --set model.path=" +
      shell_quote(kRoot + "/data/models/world-tiny") + " --set " +
      shell_quote("data.forget=[\"" + dir.path + "/a/augmented.jsonl\"]") + " --set " +
      shell_quote("data.retain=[\"" + kRoot + "/data/world/qa/retain.jsonl\"]") +
      " --set method.max_steps=3 --set method.warmup_epochs=0 --set eval.enabled=false --set output.dir=" + shell_quote(dir.path + "/relearn"));
  INFO(relearn.error);
  REQUIRE(relearn.exit_code == 0);
  const nlohmann::json unlearn = nlohmann::json::parse(read_text_file(dir.path + "/relearn/metrics.json"));
  CHECK(unlearn["unlearn"]["method"] == "relearn");
  CHECK(unlearn["unlearn"]["steps"].get<int64_t>() == 3);
  CHECK(unlearn["unlearn"]["forget_items"].get<size_t>() == items.size());
  // CE on the vague answers: their loss falls.
  CHECK(unlearn["answer_loss"]["forget"]["after"].get<double>() < unlearn["answer_loss"]["forget"]["before"].get<double>());
}

TEST_CASE("llmedit run augment: bad option values exit with 2 naming the key", "[augment][cli]") {
  const std::string config = shell_quote(kRoot + "/configs/augment/world_template.json");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"augment.chunk_chars=0", "augment.chunk_chars"},
      {"augment.max_judge_rounds=0", "augment.max_judge_rounds"},
      {"augment.completion_fraction=1.5", "augment.completion_fraction"},
      {"augment.completion_split=0", "augment.completion_split"},
      {"augment.kinds=[\"rephrase\",\"bogus\"]", "augment.kinds"},
      {"augment.provider=magic", "augment.provider"},
      {"augment.provider=local", "augment.model"},
      {"augment.general_qa_ratio=-1", "augment.general_qa_ratio"},
      {"augment.chunk_charz=5", "augment.chunk_chars"},  // unknown key: the nearest is suggested
      {"data.forget=[]", "data.forget"},
  };
  for (const auto& [assignment, key] : cases) {
    const CommandResult r = run_cli("run " + config + " --set " + shell_quote(assignment) + " --set output.dir=/nonexistent/never");
    INFO(assignment << ": " << r.error);
    CHECK(r.exit_code == 2);
    CHECK(r.error.find(key) != std::string::npos);
  }
  TempDir dir("augment-bad-data");
  const CommandResult missing = run_cli("run " + config + " --set " + shell_quote("data.forget=[\"" + dir.path + "/none.jsonl\"]") +
                                        " --set augment.cache_dir= --set output.dir=" + shell_quote(dir.path + "/run"));
  CHECK(missing.exit_code == 2);
  CHECK(missing.error.find("none.jsonl") != std::string::npos);
}

TEST_CASE("llmedit run augment with the local provider: world-tiny prompted, then read from the cache", "[augment][cli]") {
  TempDir dir("augment-local");
  const std::string args = "--log-level info run " + shell_quote(kRoot + "/configs/augment/world_local.json") + " --set " +
                           shell_quote("data.forget=[\"" + kWorldForget + "\"]") + " --set augment.model=" +
                           shell_quote(kRoot + "/data/models/world-tiny") + " --set augment.prompts=" +
                           shell_quote(kRoot + "/data/prompts/relearn_augment_tiny.json") +
                           " --set augment.kinds=[] --set augment.max_judge_rounds=1 --set augment.export= --set augment.cache_dir=" +
                           shell_quote(dir.path + "/cache");
  const CommandResult first = run_cli(args + " --set output.dir=" + shell_quote(dir.path + "/a"));
  INFO(first.error);
  REQUIRE(first.exit_code == 0);
  const nlohmann::json m = nlohmann::json::parse(read_text_file(dir.path + "/a/metrics.json"))["augment"];
  CHECK(m["provider"]["identity"].get<std::string>().rfind("local:world-tiny:", 0) == 0);
  CHECK(m["provider"]["requests"].get<int64_t>() == 45 + 45);  // a vague answer and a verdict per question
  CHECK(m["verify_answers"]["judged"].get<int64_t>() == 45);
  const int64_t passed = m["verify_answers"]["passed_by_round"][0].get<int64_t>();
  CHECK(m["pairs"]["pairs"].get<int64_t>() == passed);
  CHECK(fs::exists(dir.path + "/a/augmented.jsonl"));

  const CommandResult again = run_cli(args + " --set output.dir=" + shell_quote(dir.path + "/b"));
  REQUIRE(again.exit_code == 0);
  CHECK(nlohmann::json::parse(read_text_file(dir.path + "/b/metrics.json"))["augment"]["provider"]["requests"] == 0);
  CHECK(read_text_file(dir.path + "/b/augmented.jsonl") == read_text_file(dir.path + "/a/augmented.jsonl"));
  // Another prompt file is another cache key: the model is asked again.
  nlohmann::json prompts = nlohmann::json::parse(read_text_file(kRoot + "/data/prompts/relearn_augment_tiny.json"));
  prompts["judge"]["user"] = "Private? {answer}";
  write_text_atomic(dir.path + "/prompts.json", prompts.dump());
  const CommandResult edited = run_cli(args + " --set augment.prompts=" + shell_quote(dir.path + "/prompts.json") +
                                       " --set output.dir=" + shell_quote(dir.path + "/c"));
  REQUIRE(edited.exit_code == 0);
  CHECK(nlohmann::json::parse(read_text_file(dir.path + "/c/metrics.json"))["augment"]["provider"]["requests"] == 90);
}

TEST_CASE("llmedit run augment with the openai provider against an OpenAI-compatible server on loopback", "[augment][cli]") {
  // world-tiny behind the OpenAI API, served from a thread of this process.
  set_num_threads(1);
  const std::string model_dir = kRoot + "/data/models/world-tiny";
  LocalChatModelOptions local_options;
  local_options.name = "world-tiny";
  LocalChatModel local(load_causal_lm(model_dir), load_tokenizer(model_dir), ChatTemplate::for_tokenizer(model_dir), local_options);
  OpenAIApi api(local, {"world-tiny"});
  std::atomic<int> judge_prompts{0};
  HttpServer server(HttpServerOptions{}, [&](const HttpRequest& r) {
    if (r.body.find("Is this private") != std::string::npos) ++judge_prompts;
    return api.handle(r);
  });
  std::thread serving([&] { server.serve(); });
  struct Stop {
    HttpServer& server;
    std::thread& thread;
    ~Stop() {
      server.stop();
      thread.join();
    }
  } stop{server, serving};

  TempDir dir("augment-openai");
  const std::string base_url = "http://127.0.0.1:" + std::to_string(server.port()) + "/v1";
  const std::string args = "--log-level info run " + shell_quote(kRoot + "/configs/augment/world_template.json") + " --set " +
                           shell_quote("data.forget=[\"" + kWorldForget + "\"]") +
                           " --set augment.provider=openai --set augment.model=world-tiny --set augment.base_url=" +
                           shell_quote(base_url) + " --set augment.max_retries=0 --set augment.prompts=" +
                           shell_quote(kRoot + "/data/prompts/relearn_augment_tiny.json") +
                           " --set augment.kinds=[] --set augment.max_judge_rounds=1 --set augment.export= --set augment.cache_dir=" +
                           shell_quote(dir.path + "/cache");
  const CommandResult first = run_cli(args + " --set output.dir=" + shell_quote(dir.path + "/a"));
  INFO(first.error);
  REQUIRE(first.exit_code == 0);
  const nlohmann::json m = nlohmann::json::parse(read_text_file(dir.path + "/a/metrics.json"))["augment"];
  CHECK(m["provider"]["identity"].get<std::string>().rfind("openai:world-tiny:", 0) == 0);
  CHECK(m["provider"]["requests"].get<int64_t>() == 90);
  CHECK(api.requests_served() == 90);  // every request went over HTTP
  CHECK(judge_prompts == 45);
  // The rerun is served from the cache: the server sees nothing new.
  const CommandResult again = run_cli(args + " --set output.dir=" + shell_quote(dir.path + "/b"));
  REQUIRE(again.exit_code == 0);
  CHECK(api.requests_served() == 90);
  CHECK(read_text_file(dir.path + "/b/augmented.jsonl") == read_text_file(dir.path + "/a/augmented.jsonl"));
}
