// The eval job's sections (knowledge, eval.unlearning, eval.mc together), the pipeline job
// (steps, ${steps.<name>} references, the comparison table, resume) and `llmedit eval-mc`, end
// to end through the CLI on the shipped world model.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "libllmedit/core/atomic_file.h"
#include "libllmedit/report/comparison_table.h"
#include "tests/cli_runner.h"
#include "tests/fixtures.h"

using namespace llmedit;
using namespace llmedit::test;
namespace fs = std::filesystem;

namespace {

std::vector<nlohmann::json> read_rows(const std::string& path) {
  std::vector<nlohmann::json> rows;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) rows.push_back(nlohmann::json::parse(line));
  return rows;
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

// Knowledge accuracy on a few world items, greedy and short: the shipped model answers them.
nlohmann::json knowledge_step(int64_t max_items) {
  return {{"job", "eval"},
          {"threads", 1},
          {"model", {{"path", kRoot + "/data/models/world-tiny"}}},
          {"data", {{"qa", {kRoot + "/data/world/qa/forget.jsonl", kRoot + "/data/world/qa/retain.jsonl"}}}},
          {"eval", {{"max_items", max_items}, {"max_new_tokens", 32}}}};
}

CommandResult run_config(const std::string& path, const nlohmann::json& config, const std::string& extra = "") {
  std::ofstream(path) << config.dump(2);
  return run_cli("run " + shell_quote(path) + extra);
}

}  // namespace

TEST_CASE("comparison tables read dotted keys and mark missing ones", "[pipeline]") {
  const nlohmann::json a = {{"unlearning", {{"KFR", 0.25}, {"forget", {{"items", 4}}}}}};
  CHECK(json_at_dotted(a, "unlearning.KFR") == 0.25);
  CHECK(json_at_dotted(a, "unlearning.forget.items") == 4);
  CHECK(json_at_dotted(a, "unlearning.KRR").is_null());
  CHECK(json_at_dotted(a, "unlearning.KFR.x").is_null());
  const std::string table = comparison_markdown({{"a", a}, {"b", nlohmann::json::object()}},
                                                {{"KFR", "unlearning.KFR"}, {"n", "unlearning.forget.items"}}, 2);
  CHECK(table == "| run | KFR | n |\n| --- | --- | --- |\n| a | 0.25 | 4 |\n| b | – | – |\n");
}

TEST_CASE("one eval run reports knowledge, the unlearning metrics and multiple choice", "[pipeline][cli]") {
  TempDir dir("eval-sections");
  nlohmann::json config = knowledge_step(3);
  config["eval"]["mc"] = {{"data", kRoot + "/data/world/mc"}, {"max_items", 8}, {"batch_size", 8}};
  config["output"]["dir"] = dir.path + "/run";
  const CommandResult run = run_config(dir.path + "/eval.json", config);
  INFO(run.error);
  REQUIRE(run.exit_code == 0);
  const nlohmann::json m = read_json(dir.path + "/run/metrics.json");
  CHECK(m["knowledge_accuracy"]["forget"] == 1.0);  // the shipped model knows its world
  CHECK(m["mc"]["items"] == 8);
  std::map<std::string, int> sections;
  for (const nlohmann::json& row : read_rows(dir.path + "/run/predictions.jsonl")) sections[row["eval"]]++;
  CHECK(sections["knowledge"] == 6);
  CHECK(sections["mc"] == 8);

  // The unlearning section takes data.qa's splits; knowledge accuracy then comes from it.
  config["eval"]["unlearning"] = {{"enabled", true}, {"max_items", 4}, {"greedy", true}, {"max_new_tokens", 32}};
  config["eval"].erase("mc");
  config["output"]["dir"] = dir.path + "/run2";
  const CommandResult run2 = run_config(dir.path + "/eval2.json", config);
  INFO(run2.error);
  REQUIRE(run2.exit_code == 0);
  const nlohmann::json m2 = read_json(dir.path + "/run2/metrics.json");
  CHECK(m2["unlearning"]["KFR"].get<double>() <= 0.25);
  CHECK(m2["unlearning"]["KRR"].get<double>() >= 0.75);
  CHECK(m2["items"]["forget"] == 4);
  CHECK(!m2.contains("mc"));

  nlohmann::json empty = {{"job", "eval"}, {"model", {{"path", kRoot + "/data/models/world-tiny"}}},
                          {"output", {{"dir", dir.path + "/run3"}}}};
  const CommandResult none = run_config(dir.path + "/eval3.json", empty);
  CHECK(none.exit_code == 2);
  CHECK(none.error.find("nothing to evaluate") != std::string::npos);
}

TEST_CASE("a pipeline runs its steps, passes folders between them, compares them, and resumes", "[pipeline][cli]") {
  TempDir dir("pipeline");
  nlohmann::json second = knowledge_step(2);
  const nlohmann::json pipeline = {
      {"job", "pipeline"},
      {"name", "two-evals"},
      {"step_defaults", {{"eval.max_new_tokens", 24}}},
      {"steps",
       {{{"name", "first"}, {"config", knowledge_step(2)}},
        // The second step reads the first one's predictions as its QA file (they keep question and answer).
        {{"name", "second"},
         {"config", second},
         {"set", {{"data.qa", {"${steps.first}/predictions.jsonl"}}, {"eval.max_items", 1}}}}}},
      {"compare",
       {{"columns",
         {{{"title", "forget"}, {"key", "knowledge_accuracy.forget"}},
          {{"title", "items"}, {"key", "items.forget"}},
          {{"title", "missing"}, {"key", "no.such.key"}}}},
        {"append_summaries", {"second"}}}},
      {"output", {{"dir", dir.path + "/run"}}}};
  const CommandResult run = run_config(dir.path + "/pipeline.json", pipeline);
  INFO(run.error);
  REQUIRE(run.exit_code == 0);
  const nlohmann::json first = read_json(dir.path + "/run/steps/first/config.resolved.json");
  CHECK(first["eval"]["max_new_tokens"] == 24);
  const nlohmann::json second_config = read_json(dir.path + "/run/steps/second/config.resolved.json");
  CHECK(second_config["data"]["qa"][0] == dir.path + "/run/steps/first/predictions.jsonl");
  CHECK(read_rows(dir.path + "/run/steps/second/predictions.jsonl").size() == 2);  // one per split
  const nlohmann::json m = read_json(dir.path + "/run/metrics.json");
  CHECK(m["steps"]["first"]["items"]["forget"] == 2);
  CHECK(m["steps"]["second"]["items"]["forget"] == 1);
  const std::string summary = read_text_file(dir.path + "/run/summary.md");
  CHECK(summary.find("| run | forget | items | missing |") != std::string::npos);
  CHECK(summary.find("| first | 1.000 | 2 | – |") != std::string::npos);
  CHECK(summary.find("## step second\n\n# llmedit eval run") != std::string::npos);

  // Resume: finished steps are not run again (their folders keep their files untouched).
  fs::remove(dir.path + "/run/steps/second/metrics.json");
  const auto first_time = fs::last_write_time(dir.path + "/run/steps/first/predictions.jsonl");
  const CommandResult resumed = run_cli("run --resume " + shell_quote(dir.path + "/run"));
  INFO(resumed.error);
  REQUIRE(resumed.exit_code == 0);
  CHECK(fs::last_write_time(dir.path + "/run/steps/first/predictions.jsonl") == first_time);
  CHECK(fs::exists(dir.path + "/run/steps/second/metrics.json"));
}

TEST_CASE("pipeline config errors surface before any step runs", "[pipeline][cli]") {
  TempDir dir("pipeline-errors");
  auto fails_with = [&](const nlohmann::json& steps, const std::string& message) {
    const nlohmann::json config = {{"job", "pipeline"}, {"steps", steps}, {"output", {{"dir", dir.path + "/run"}}}};
    const CommandResult r = run_config(dir.path + "/p.json", config);
    INFO(r.error);
    CHECK(r.exit_code == 2);
    CHECK(r.error.find(message) != std::string::npos);
    CHECK(!fs::exists(dir.path + "/run"));
  };
  fails_with({{{"name", "a"}, {"config", knowledge_step(1)}, {"set", {{"data.qa", {"${steps.b}/x.jsonl"}}}}}},
             "${steps.b} is not an earlier step");
  fails_with({{{"name", "a"}, {"config", knowledge_step(1)}}, {{"name", "a"}, {"config", knowledge_step(1)}}},
             "steps[1].name \"a\" is used by an earlier step");
  fails_with({{{"name", "a"}, {"config", knowledge_step(1)}, {"set", {{"eval.max_itemz", 1}}}}}, "eval.max_items");
  fails_with({{{"name", "a"}, {"config", dir.path + "/missing.json"}}}, "missing.json");
  const nlohmann::json config = {{"job", "pipeline"},
                                 {"steps", {{{"name", "a"}, {"config", knowledge_step(1)}}}},
                                 {"compare", {{"append_summaries", {"b"}}}},
                                 {"output", {{"dir", dir.path + "/run"}}}};
  const CommandResult r = run_config(dir.path + "/p2.json", config);
  CHECK(r.exit_code == 2);
  CHECK(r.error.find("compare.append_summaries names \"b\", which is not a step") != std::string::npos);
}

TEST_CASE("llmedit eval-mc runs the eval job's mc section without a config file", "[pipeline][cli][mc]") {
  TempDir dir("eval-mc");
  const CommandResult r =
      run_cli("eval-mc --model " + shell_quote(kRoot + "/data/models/world-tiny") + " --data " +
              shell_quote(kRoot + "/data/world/mc") + " --shots 2 --max-items 6 --threads 1 --out " + shell_quote(dir.path + "/run"));
  INFO(r.error);
  REQUIRE(r.exit_code == 0);
  CHECK(r.output.find(dir.path + "/run") != std::string::npos);
  const nlohmann::json m = read_json(dir.path + "/run/metrics.json");
  CHECK(m["mc"]["shots"] == 2);
  CHECK(m["mc"]["items"] == 6);
  const nlohmann::json config = read_json(dir.path + "/run/config.resolved.json");
  CHECK(config["job"] == "eval");
  CHECK(config["eval"]["mc"]["shots"] == 2);

  const CommandResult bad = run_cli("eval-mc --model x --data y --format gpqa");
  CHECK(bad.exit_code == 2);
  const CommandResult list = run_cli("metrics --list");
  CHECK(list.exit_code == 0);
  CHECK(list.output.find("KFR: mean over forget items") != std::string::npos);
  CHECK(list.output.find("accuracy.macro") != std::string::npos);
}
