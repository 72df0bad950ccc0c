// SIGINT and SIGTERM sent to a real `llmedit` process while it trains, unlearns, augments,
// computes key statistics, edits or runs a sweep: it saves its state and exits 130 / 143, and resuming
// ends with the same result as a run that was never interrupted (CPU: bitwise for weights).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "libllmedit/core/atomic_file.h"
#include "libllmedit/core/interrupt.h"
#include "tests/child_process.h"
#include "tests/cli_runner.h"
#include "tests/fixtures.h"

using namespace llmedit;
using namespace llmedit::test;
namespace fs = std::filesystem;

namespace {

std::string write_config(const std::string& path, const nlohmann::json& config) {
  write_text_atomic(path, config.dump(2));
  return path;
}

bool any_file_under(const std::string& dir, const std::string& prefix) {
  std::error_code ignored;
  if (!fs::is_directory(dir, ignored)) return false;
  for (const auto& entry : fs::recursive_directory_iterator(dir, ignored))
    if (entry.path().filename().string().rfind(prefix, 0) == 0) return true;
  return false;
}

// Runs `args` in a child, sends `signal` once `started()` holds, and returns the exit code.
int interrupt_when(const std::vector<std::string>& args, const std::string& log, const std::function<bool()>& started,
                   int signal, std::string* error = nullptr) {
  ChildProcess child(args, log);
  REQUIRE(child.started());
  REQUIRE(wait_until([&] { return started() || !child.running(); }, 120));
  REQUIRE(child.running());  // still working: the signal lands mid-way
  child.send(signal);
  const int code = child.wait(120);
  if (error) *error = child.err();
  return code;
}

// Runs `config` straight through into DIR/straight, then into DIR/stopped with `signal` sent once
// `started(stopped)` holds: it must exit 128 + signal naming the resume command, with no
// metrics.json, and pass `check_stopped(stopped, stderr)`; then resumes it to exit 0. The
// caller compares the two folders.
std::pair<std::string, std::string> stop_and_resume(
    const TempDir& dir, const std::string& config, int signal, const std::function<bool(const std::string&)>& started,
    const std::function<void(const std::string&, const std::string&)>& check_stopped) {
  const std::string straight = dir.path + "/straight", stopped = dir.path + "/stopped";
  const CommandResult plain = run_cli("run " + shell_quote(config) + " --set output.dir=" + shell_quote(straight));
  INFO(plain.error);
  REQUIRE(plain.exit_code == 0);

  std::string error;
  const int code = interrupt_when({"run", config, "--set", "output.dir=" + stopped}, dir.path + "/child",
                                  [&] { return started(stopped); }, signal, &error);
  INFO(error);
  CHECK(code == 128 + signal);
  CHECK_THAT(error, Catch::Contains("run --resume " + stopped));
  CHECK_FALSE(fs::exists(stopped + "/metrics.json"));
  check_stopped(stopped, error);

  const CommandResult resumed = run_cli("run --resume " + shell_quote(stopped));
  INFO(resumed.error);
  REQUIRE(resumed.exit_code == 0);
  return {straight, stopped};
}

// A small training config on world-tiny that checkpoints every step, so progress is visible.
nlohmann::json train_config(const std::string& job) {
  nlohmann::json c = {{"job", job}, {"seed", 1}, {"threads", 1}, {"model", {{"path", kWorldModel}}}, {"output", {{"index", "none"}}}};
  if (job == "train") {
    c["data"] = {{"train", {kRoot + "/data/world/qa/forget.jsonl"}}, {"paraphrases", false}, {"max_length", 64}};
    c["train"] = {{"max_steps", 16}, {"per_device_train_batch_size", 4}, {"learning_rate", 1e-3}, {"save_steps", 1},
                  {"logging_steps", 1}};
  } else {
    c["data"] = {{"forget", {kRoot + "/data/world/qa/forget.jsonl"}}, {"retain", {kRoot + "/data/world/qa/retain.jsonl"}},
                 {"max_length", 64}};
    c["method"] = {{"name", "ga_gdr"}, {"learning_rate", 1e-3}, {"max_steps", 8}, {"per_device_train_batch_size", 4},
                   {"save_steps", 1}};
    c["eval"] = {{"enabled", false}, {"loss", false}};
  }
  return c;
}

// Loss and step columns of train_log.jsonl (timings left out).
std::vector<std::pair<int64_t, double>> losses(const std::string& run) {
  std::vector<std::pair<int64_t, double>> out;
  std::ifstream in(run + "/train_log.jsonl");
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) {
      const nlohmann::json row = nlohmann::json::parse(line);
      out.emplace_back(row["step"].get<int64_t>(), row["loss"].get<double>());
    }
  return out;
}

void check_interrupted_training(const std::string& job, int signal) {
  TempDir dir("interrupt-" + job);
  const std::string config = write_config(dir.path + "/config.json", train_config(job));
  const auto [straight, stopped] = stop_and_resume(
      dir, config, signal, [](const std::string& run) { return fs::exists(run + "/checkpoints/step-00000002"); },
      [](const std::string& run, const std::string&) { CHECK_FALSE(fs::exists(run + "/model")); });
  const nlohmann::json metrics = nlohmann::json::parse(read_text_file(stopped + "/metrics.json"));
  const int64_t from = metrics[job]["resumed_from_step"].get<int64_t>();
  CHECK(from >= 2);
  CHECK(from < metrics[job]["steps"].get<int64_t>());
  CHECK(read_text_file(stopped + "/model/model.safetensors") == read_text_file(straight + "/model/model.safetensors"));
  CHECK(losses(stopped) == losses(straight));
}

// A job that keeps no checkpoint (edit, temporal), stopped by `signal` once it has logged and then
// resumed: it names itself as stopped, the resumed run's log holds only its own records, and its
// metrics equal a straight run's but for the timing keys `timings` of the job's section. Returns
// the straight and the stopped run folders, inside `dir`.
std::pair<std::string, std::string> check_restarted_job(const TempDir& dir, const std::string& job,
                                                        const nlohmann::json& config, int signal,
                                                        const std::vector<std::string>& timings) {
  const std::string file = write_config(dir.path + "/" + job + ".json", config);
  const auto [straight, stopped] = stop_and_resume(
      dir, file, signal, [](const std::string& run) { return fs::exists(run + "/train_log.jsonl"); },
      [&](const std::string&, const std::string& error) { CHECK_THAT(error, Catch::Contains(job + " job stopped: ")); });
  const auto metrics = [&](const std::string& run) {
    nlohmann::json m = nlohmann::json::parse(read_text_file(run + "/metrics.json"));
    for (const std::string& key : timings) m[job].erase(key);
    return m;
  };
  CHECK(metrics(stopped) == metrics(straight));
  const auto lines = [](const std::string& run) {
    const std::string log = read_text_file(run + "/train_log.jsonl");
    return std::count(log.begin(), log.end(), '\n');
  };
  CHECK(lines(stopped) == lines(straight));  // the interrupted attempt's records are gone
  return {straight, stopped};
}

}  // namespace

TEST_CASE("InterruptGuard: SIGINT and SIGTERM are requests to stop, with exit codes 130 and 143", "[interrupt]") {
  {
    InterruptGuard guard;
    CHECK_FALSE(guard.requested());
    std::raise(SIGTERM);
    CHECK(guard.requested());
    CHECK(guard.signal() == SIGTERM);
    CHECK(guard.exit_code() == 143);
  }
  InterruptGuard guard;  // a new guard starts clear
  CHECK_FALSE(guard.requested());
  std::raise(SIGINT);
  CHECK(guard.exit_code() == 130);
}

TEST_CASE("job train stopped by SIGINT exits 130 and resumes to the same weights", "[interrupt][cli]") {
  check_interrupted_training("train", SIGINT);
}

TEST_CASE("job unlearn stopped by SIGTERM exits 143 and resumes to the same weights", "[interrupt][cli]") {
  check_interrupted_training("unlearn", SIGTERM);
}

TEST_CASE("job augment stopped by SIGTERM keeps its replies and resumes to the same items", "[interrupt][cli]") {
  TempDir dir("interrupt-augment");
  const nlohmann::json config = {
      {"job", "augment"},
      {"seed", 1},
      {"threads", 1},
      {"data", {{"forget", {kRoot + "/data/world/qa/forget.jsonl"}}}},
      {"augment",
       {{"provider", "local"}, {"model", kWorldModel}, {"prompts", kRoot + "/data/prompts/relearn_augment_tiny.json"},
        {"kinds", {"rephrase"}}, {"max_judge_rounds", 1}, {"batch_size", 2}, {"cache_dir", ""}}},
      {"output", {{"index", "none"}}}};
  const std::string file = write_config(dir.path + "/augment.json", config);
  const auto [straight, stopped] = stop_and_resume(
      dir, file, SIGTERM, [](const std::string& run) { return any_file_under(run + "/checkpoints/augment", ""); },
      [](const std::string& run, const std::string&) { CHECK_FALSE(fs::exists(run + "/augmented.jsonl")); });
  CHECK(read_text_file(stopped + "/augmented.jsonl") == read_text_file(straight + "/augmented.jsonl"));
  const nlohmann::json a = nlohmann::json::parse(read_text_file(stopped + "/metrics.json"))["augment"];
  const nlohmann::json b = nlohmann::json::parse(read_text_file(straight + "/metrics.json"))["augment"];
  CHECK(a["provider"]["replayed"].get<int64_t>() > 0);
  CHECK(a["provider"]["replayed"].get<int64_t>() + a["provider"]["requests"].get<int64_t>() == b["provider"]["requests"]);
  for (const char* stage : {"question_variants", "vague_answers", "verify_answers", "pairs", "output"}) CHECK(a[stage] == b[stage]);
}

TEST_CASE("llmedit stats stopped by SIGINT exits 130 and a rerun ends with the same sums", "[interrupt][cli]") {
  TempDir dir("interrupt-stats");
  const auto args = [&](const std::string& stats_dir) {
    return std::vector<std::string>{"stats", "--model", kWorldModel, "--layers", "1", "--corpus", kRoot + "/data/world/corpus.txt",
                                    "--samples", "80", "--batch-size", "2", "--save-every", "2", "--threads", "1",
                                    "--stats-dir", stats_dir};
  };
  std::string command;
  for (const std::string& a : args(dir.path + "/straight")) command += shell_quote(a) + " ";
  const CommandResult plain = run_cli(command);
  INFO(plain.error);
  REQUIRE(plain.exit_code == 0);

  const std::string stopped = dir.path + "/stopped";
  std::string error;
  const int code = interrupt_when(args(stopped), dir.path + "/child", [&] { return any_file_under(stopped, "layer1.mom2"); },
                                  SIGINT, &error);
  INFO(error);
  CHECK(code == 130);
  ChildProcess rerun(args(stopped), dir.path + "/rerun");
  REQUIRE(rerun.wait(120) == 0);
  const nlohmann::json report = nlohmann::json::parse(rerun.out());
  CHECK(report["resumed_from_sample"].get<int64_t>() > 0);
  const std::string file = report["files"][0].get<std::string>();
  const nlohmann::json straight = nlohmann::json::parse(plain.output);
  CHECK(read_text_file(file) == read_text_file(straight["files"][0].get<std::string>()));
}

TEST_CASE("job edit stopped by SIGINT exits 130 and resumed ends with a straight run's metrics", "[interrupt][cli]") {
  const nlohmann::json config = {{"job", "edit"},
                                 {"seed", 1},
                                 {"threads", 1},
                                 {"model", {{"path", kWorldModel}}},
                                 {"data", {{"requests", kRoot + "/data/world/counterfact.json"}, {"max_requests", 60}}},
                                 {"method", {{"name", "ft_l"}, {"num_steps", 5}}},
                                 {"eval", {{"generation_tokens", 0}}},
                                 {"output", {{"index", "none"}}}};
  check_restarted_job(TempDir("interrupt-edit"), "edit", config, SIGINT, {"edit_seconds", "seconds_per_edit"});
}

TEST_CASE("job temporal stopped by SIGTERM exits 143 and resumed ends with a straight run's metrics", "[interrupt][cli]") {
  const nlohmann::json config = {{"job", "temporal"},
                                 {"seed", 1},
                                 {"threads", 1},
                                 {"model", {{"path", kWorldModel}}},
                                 {"data", {{"atoke", {kRoot + "/data/world/atoke/AToKe-ME.json"}}, {"max_cases", 6}}},
                                 {"method", {{"name", "ft_l"}, {"lr", 0.01}, {"norm_constraint", 0.05}}},
                                 {"eval", {{"max_new_tokens", 8}}},
                                 {"output", {{"index", "none"}}}};
  const TempDir dir("interrupt-temporal");
  const auto [straight, stopped] = check_restarted_job(dir, "temporal", config, SIGTERM, {"seconds_per_step"});
  const auto predictions = [](const std::string& run) {  // every row but its timing
    std::vector<nlohmann::json> rows;
    std::ifstream in(run + "/predictions.jsonl");
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      rows.push_back(nlohmann::json::parse(line));
      rows.back().erase("edit_seconds");
    }
    return rows;
  };
  CHECK(predictions(stopped) == predictions(straight));
  CHECK_FALSE(predictions(straight).empty());
}

TEST_CASE("a sweep stopped by SIGTERM exits 143 and resumed its runs end as an uninterrupted sweep's", "[interrupt][cli]") {
  TempDir dir("interrupt-sweep");
  nlohmann::json config = train_config("unlearn");
  config["method"]["max_steps"] = 5;
  config["sweep"] = {{"method.learning_rate", {1e-3, 3e-3}}};
  const std::string file = write_config(dir.path + "/sweep.json", config);
  const CommandResult plain = run_cli("run " + shell_quote(file) + " --set output.dir=" + shell_quote(dir.path + "/straight"));
  INFO(plain.error);
  REQUIRE(plain.exit_code == 0);

  const std::string stopped = dir.path + "/stopped";
  std::string error;
  const int code = interrupt_when({"run", file, "--set", "output.dir=" + stopped}, dir.path + "/child",
                                  [&] { return any_file_under(stopped + "/runs", "step-00000002"); }, SIGTERM, &error);
  INFO(error);
  CHECK(code == 143);
  CHECK_THAT(error, Catch::Contains("run --resume " + stopped));

  const CommandResult resumed = run_cli("run --resume " + shell_quote(stopped));
  INFO(resumed.error);
  REQUIRE(resumed.exit_code == 0);
  for (const char* run : {"/runs/000-0.001", "/runs/001-0.003"}) {
    INFO(run);
    CHECK(read_text_file(stopped + run + "/model/model.safetensors") ==
          read_text_file(dir.path + "/straight" + run + "/model/model.safetensors"));
  }
}

TEST_CASE("a checkpoint that cannot be written stops training naming the file and keeps the previous one", "[interrupt][cli]") {
  TempDir dir("interrupt-disk");
  const std::string config = write_config(dir.path + "/config.json", train_config("train"));
  const std::string straight = dir.path + "/straight", run = dir.path + "/run";
  REQUIRE(run_cli("run " + shell_quote(config) + " --set output.dir=" + shell_quote(straight)).exit_code == 0);
  REQUIRE(interrupt_when({"run", config, "--set", "output.dir=" + run}, dir.path + "/child",
                         [&] { return fs::exists(run + "/checkpoints/step-00000002"); }, SIGINT) == 130);
  std::vector<std::string> before;
  for (const auto& entry : fs::directory_iterator(run + "/checkpoints")) before.push_back(entry.path().string());
  REQUIRE(before.size() == 1);
  const std::string kept = read_text_file(before[0] + "/trainable.safetensors");

  // Resumed with files capped at 1 MB: the next checkpoint (4 MB of weights) cannot be written.
  ChildProcess full({"run", "--resume", run}, dir.path + "/full", 1 << 20);
  CHECK(full.wait(120) == 2);
  const std::string error = full.err();
  INFO(error);
  CHECK_THAT(error, Catch::Contains("cannot write '" + run + "/checkpoints/") && Catch::Contains("trainable.safetensors"));
  std::vector<std::string> after;
  for (const auto& entry : fs::directory_iterator(run + "/checkpoints")) after.push_back(entry.path().string());
  CHECK(after == before);  // no half-written folder beside it
  CHECK(read_text_file(before[0] + "/trainable.safetensors") == kept);

  // With room again, it resumes from the kept checkpoint and ends as the uninterrupted run.
  const CommandResult resumed = run_cli("run --resume " + shell_quote(run));
  INFO(resumed.error);
  REQUIRE(resumed.exit_code == 0);
  CHECK(read_text_file(run + "/model/model.safetensors") == read_text_file(straight + "/model/model.safetensors"));
}
