// Inputs at the edge of what a job can use: an empty forget set and a prompt longer than the
// model's context. Each stops with exit code 2 and one line naming the file, field or value, and
// leaves no result file behind (the run folder holds only its resolved config).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>

#include "libllmedit/core/atomic_file.h"
#include "tests/cli_runner.h"
#include "tests/fixtures.h"

using namespace llmedit;
using namespace llmedit::test;
namespace fs = std::filesystem;

namespace {

bool one_line(const std::string& text) { return std::count(text.begin(), text.end(), '\n') == 1 && text.back() == '\n'; }

// The run folder holds no result, checkpoint, model or temp file.
void check_nothing_written(const std::string& run) {
  for (const char* result : {"metrics.json", "predictions.jsonl", "summary.md", "model", "checkpoints", "augmented.jsonl"}) {
    INFO(result);
    CHECK_FALSE(fs::exists(run + "/" + result));
  }
  if (!fs::exists(run)) return;
  for (const auto& entry : fs::recursive_directory_iterator(run)) CHECK(entry.path().string().find(".tmp") == std::string::npos);
}

CommandResult run_config(const std::string& dir, const nlohmann::json& config) {
  write_text_atomic(dir + "/config.json", config.dump(2));
  return run_cli("run " + shell_quote(dir + "/config.json"));
}

nlohmann::json unlearn_config(const std::string& dir, const std::string& forget) {
  return {{"job", "unlearn"},
          {"threads", 1},
          {"model", {{"path", kWorldModel}}},
          {"data", {{"forget", {forget}}, {"retain", {kRoot + "/data/world/qa/retain.jsonl"}}, {"max_length", 64}}},
          {"method", {{"name", "ga_gdr"}, {"max_steps", 2}}},
          {"output", {{"dir", dir + "/run"}, {"index", "none"}}}};
}

}  // namespace

TEST_CASE("an empty forget set stops unlearning with exit 2, naming the file or the split", "[edgeinput][cli]") {
  TempDir dir("edge-empty-forget");
  write_text_atomic(dir.path + "/empty.jsonl", "");
  const CommandResult empty = run_config(dir.path, unlearn_config(dir.path, dir.path + "/empty.jsonl"));
  INFO(empty.error);
  CHECK(empty.exit_code == 2);
  CHECK(one_line(empty.error));
  CHECK_THAT(empty.error, Catch::Contains(dir.path + "/empty.jsonl"));
  check_nothing_written(dir.path + "/run");

  // Items there, but the split filter keeps none of them.
  nlohmann::json filtered = unlearn_config(dir.path, kRoot + "/data/world/qa/forget.jsonl");
  filtered["data"]["forget_splits"] = {"no-such-split"};
  filtered["output"]["dir"] = dir.path + "/filtered";
  const CommandResult none = run_config(dir.path, filtered);
  INFO(none.error);
  CHECK(none.exit_code == 2);
  CHECK(one_line(none.error));
  CHECK_THAT(none.error, Catch::Contains("data.forget") && Catch::Contains("no-such-split"));
  check_nothing_written(dir.path + "/filtered");
}

TEST_CASE("a prompt longer than the model's context fails with exit 2 naming it", "[edgeinput][cli]") {
  std::string words;
  for (int i = 0; i < 400; ++i) words += "lantern ";
  const CommandResult generated = run_cli("generate --model " + shell_quote(kWorldModel) + " --prompt " + shell_quote(words) +
                                          " --max-new-tokens 4");
  INFO(generated.error);
  CHECK(generated.exit_code == 2);
  CHECK(one_line(generated.error));
  CHECK_THAT(generated.error, Catch::Contains("--prompt") && Catch::Contains("context of 256") &&
                                  Catch::Contains("max_position_embeddings"));
  CHECK(generated.output.empty());

  // A question too long to answer in an evaluation: named, before anything is written.
  TempDir dir("edge-long-prompt");
  const nlohmann::json item = {{"id", "long-1"}, {"question", "Where does " + words + "live?"}, {"answer", "Nowhere."}, {"split", "forget"}};
  write_text_atomic(dir.path + "/long.jsonl", item.dump() + "\n");
  const nlohmann::json config = {{"job", "eval"},
                                 {"threads", 1},
                                 {"model", {{"path", kWorldModel}}},
                                 {"data", {{"qa", {dir.path + "/long.jsonl"}}}},
                                 {"eval", {{"max_new_tokens", 4}}},
                                 {"output", {{"dir", dir.path + "/run"}, {"index", "none"}}}};
  const CommandResult eval = run_config(dir.path, config);
  INFO(eval.error);
  CHECK(eval.exit_code == 2);
  CHECK(one_line(eval.error));
  CHECK_THAT(eval.error, Catch::Contains("question 1 (\"Where does lantern") && Catch::Contains("max_position_embeddings"));
  check_nothing_written(dir.path + "/run");
}
