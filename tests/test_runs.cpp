// Sweeps (grid and random expansion, plans, running, resuming, --dry-run, --emit slurm) and the
// run index (two concurrent writers, `llmedit runs list|show|compare`).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "libllmedit/core/atomic_file.h"
#include "libllmedit/core/error.h"
#include "libllmedit/runs/run_index.h"
#include "libllmedit/runs/sweep_expansion.h"
#include "libllmedit/runs/sweep_plan.h"
#include "tests/cli_runner.h"
#include "tests/fixtures.h"

using namespace llmedit;
using namespace llmedit::test;
namespace fs = std::filesystem;

namespace {

nlohmann::json read_json(const std::string& path) { return nlohmann::json::parse(read_text_file(path)); }

std::string config_error_of(const nlohmann::json& sweep) {
  try {
    read_sweep_spec(sweep, "s.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// Knowledge accuracy on two world items with short greedy answers: a run of a few seconds.
nlohmann::json tiny_eval(const std::string& dir) {
  return {{"job", "eval"},
          {"threads", 1},
          {"model", {{"path", kRoot + "/data/models/world-tiny"}}},
          {"data", {{"qa", {kRoot + "/data/world/qa/forget.jsonl"}}}},
          {"eval", {{"max_items", 2}, {"max_new_tokens", 8}}},
          {"output", {{"dir", dir + "/sweep"}, {"index", dir + "/index.sqlite"}}}};
}

}  // namespace

TEST_CASE("a grid sweep runs every combination, the last key fastest", "[runs]") {
  const SweepSpec spec = read_sweep_spec({{"method.name", {"ga_gdr", "npo_gdr"}}, {"method.learning_rate", {1e-5, 3e-5, 1e-4}}}, "s.json");
  REQUIRE(spec.axes.size() == 2);
  CHECK(spec.axes[0].key == "method.learning_rate");  // keys in order
  const std::vector<SweepPoint> points = expand_sweep(spec);
  REQUIRE(points.size() == 6);
  CHECK(points[0].values[0].second == 1e-5);
  CHECK(points[0].values[1].second == "ga_gdr");
  CHECK(points[1].values[1].second == "npo_gdr");
  CHECK(points[5].values[0].second == 1e-4);
  CHECK(sweep_point_label(1, points[1]) == "001-1e-05-npo_gdr");
  std::set<std::string> labels;
  for (size_t i = 0; i < points.size(); ++i) labels.insert(sweep_point_label(i, points[i]));
  CHECK(labels.size() == 6);
}

TEST_CASE("a random sweep draws n points from choices and ranges, the same for the same seed", "[runs]") {
  const nlohmann::json sweep = {{"mode", "random"},
                                {"n", 20},
                                {"random_seed", 7},
                                {"method.learning_rate", {{"low", 1e-5}, {"high", 1e-3}, {"log", true}}},
                                {"method.num_train_epochs", {{"low", 1}, {"high", 5}, {"int", true}}},
                                {"method.name", {"ga", "npo"}}};
  const std::vector<SweepPoint> a = expand_sweep(read_sweep_spec(sweep, "s.json"));
  REQUIRE(a.size() == 20);
  std::set<std::string> names;
  for (const SweepPoint& p : a) {
    const double lr = p.values[0].second.get<double>();
    CHECK(lr >= 1e-5);
    CHECK(lr <= 1e-3);
    names.insert(p.values[1].second.get<std::string>());  // keys in order: name before num_train_epochs
    CHECK(p.values[2].second.is_number_integer());
    CHECK(p.values[2].second.get<int64_t>() >= 1);
    CHECK(p.values[2].second.get<int64_t>() <= 5);
  }
  CHECK(names.size() == 2);
  const std::vector<SweepPoint> b = expand_sweep(read_sweep_spec(sweep, "s.json"));
  for (size_t i = 0; i < a.size(); ++i) CHECK(a[i].values == b[i].values);
  nlohmann::json other = sweep;
  other["random_seed"] = 8;
  CHECK(expand_sweep(read_sweep_spec(other, "s.json"))[0].values != a[0].values);
}

TEST_CASE("malformed sweeps are config errors naming the key", "[runs]") {
  CHECK_THAT(config_error_of({{"method.lr", nlohmann::json::array()}}), Catch::Contains("s.json") && Catch::Contains("sweep.method.lr"));
  CHECK_THAT(config_error_of({{"method.lr", 0.1}}), Catch::Contains("sweep.method.lr") && Catch::Contains("list"));
  CHECK_THAT(config_error_of({{"mode", "random"}, {"x", {1, 2}}}), Catch::Contains("sweep.n"));
  CHECK_THAT(config_error_of({{"mode", "grid"}, {"n", 3}, {"x", {1}}}), Catch::Contains("sweep.n"));
  CHECK_THAT(config_error_of({{"mode", "spiral"}, {"x", {1}}}), Catch::Contains("sweep.mode") && Catch::Contains("spiral"));
  CHECK_THAT(config_error_of({{"mode", "random"}, {"n", 2}, {"x", {{"low", 1}, {"high", 0}}}}), Catch::Contains("sweep.x"));
  CHECK_THAT(config_error_of({{"output.dir", {"a", "b"}}}), Catch::Contains("sweep.output.dir"));
  CHECK_THAT(config_error_of(nlohmann::json::object()), Catch::Contains("names no key"));
}

TEST_CASE("a sweep plan gives each run its values, name and folder", "[runs]") {
  const nlohmann::json raw = {{"job", "eval"},
                              {"name", "probe-lr"},
                              {"eval", {{"max_items", 3}}},
                              {"output", {{"dir", "/tmp/sw"}}},
                              {"sweep", {{"eval.max_new_tokens", {8, 16}}, {"seed", {1, 2}}}}};
  const SweepPlan plan = plan_sweep(raw, "s.json");
  CHECK(plan.dir == "/tmp/sw");
  REQUIRE(plan.runs.size() == 4);
  const SweepRun& run = plan.runs[3];
  CHECK(run.label == "003-16-2");
  CHECK(run.dir == "/tmp/sw/runs/003-16-2");
  CHECK(run.config["eval"]["max_new_tokens"] == 16);
  CHECK(run.config["eval"]["max_items"] == 3);  // the rest of the config stays
  CHECK(run.config["seed"] == 2);
  CHECK(run.config["name"] == "probe-lr-003-16-2");
  CHECK(run.config["output"]["dir"] == run.dir);
  CHECK_FALSE(run.config.contains("sweep"));
  CHECK(run.set == nlohmann::json({{"eval.max_new_tokens", 16}, {"seed", 2}}));
}

TEST_CASE("the run index takes two concurrent writers", "[runs]") {
  TempDir dir("run-index");
  const std::string path = dir.path + "/runs/index.sqlite";
  constexpr int kRunsPerWriter = 40;
  const auto writer = [&](const std::string& who) {
    RunIndex index(path);  // each thread its own connection, as two processes would have
    for (int i = 0; i < kRunsPerWriter; ++i) {
      const std::string run = dir.path + "/runs/" + who + "-" + std::to_string(i);
      index.record_start({run, who + "-" + std::to_string(i), who == "a" ? "eval" : "unlearn", "0123456789abcdef"});
      index.record_end(run, "done", {{"unlearning.KFR", i / 100.0}, {"writer", who == "a" ? 1 : 2}});
    }
  };
  std::thread a(writer, "a"), b(writer, "b");
  a.join();
  b.join();
  const RunIndex index(path);
  const std::vector<IndexedRun> runs = index.list();
  REQUIRE(runs.size() == 2 * kRunsPerWriter);
  std::set<int64_t> ids;
  for (const IndexedRun& run : runs) {
    ids.insert(run.id);
    CHECK(run.status == "done");
    CHECK_FALSE(run.ended_at.empty());
    CHECK(run.metrics.contains("unlearning.KFR"));
  }
  CHECK(ids.size() == runs.size());
  // A run that starts again (resumes) keeps its row.
  const std::optional<IndexedRun> first = index.find(dir.path + "/runs/a-0");
  REQUIRE(first);
  RunIndex again(path);
  CHECK(again.record_start({dir.path + "/runs/./a-0", "a-0", "eval", "0123456789abcdef"}) == first->id);
  CHECK(again.find(std::to_string(first->id))->status == "running");
  CHECK(again.list().size() == runs.size());
  const std::string header = read_text_file(path).substr(0, 20);
  CHECK(header[18] == 2);  // the file format's write version: 2 is WAL journaling
  CHECK(header[19] == 2);
}

TEST_CASE("runs list, show and compare read the run index", "[runs][cli]") {
  TempDir dir("runs-cli");
  const std::string index_path = dir.path + "/index.sqlite";
  {
    RunIndex index(index_path);
    for (int i = 0; i < 3; ++i) {
      const std::string run = dir.path + "/run" + std::to_string(i);
      fs::create_directories(run);
      write_text_atomic(run + "/config.resolved.json",
                        nlohmann::json({{"job", i == 2 ? "eval" : "unlearn"}, {"method", {{"learning_rate", 1e-4 * (i + 1)}, {"name", "ga_gdr"}}}}).dump());
      index.record_start({run, "run" + std::to_string(i), i == 2 ? "eval" : "unlearn", "h" + std::to_string(i)});
      index.record_end(run, "done", {{"unlearning.KFR", 0.25 * (i + 1)}, {"unlearning.KRR", 0.9}});
    }
  }
  const std::string index = " --index " + shell_quote(index_path);
  const CommandResult all = run_cli("runs list" + index);
  INFO(all.error);
  REQUIRE(all.exit_code == 0);
  CHECK_THAT(all.output, Catch::Contains("run0") && Catch::Contains("run1") && Catch::Contains("run2") && Catch::Contains("done"));

  const CommandResult unlearn = run_cli("runs list --job unlearn --where 'unlearning.KFR>0.3'" + index);
  REQUIRE(unlearn.exit_code == 0);
  CHECK_THAT(unlearn.output, Catch::Contains("run1") && Catch::Contains("0.5") && !Catch::Contains("run0") && !Catch::Contains("run2"));

  const CommandResult show = run_cli("runs show 2" + index);
  REQUIRE(show.exit_code == 0);
  CHECK_THAT(show.output, Catch::Contains("run1") && Catch::Contains("unlearning.KFR") && Catch::Contains("h1"));

  const CommandResult compare = run_cli("runs compare 1 3" + index);
  INFO(compare.error);
  REQUIRE(compare.exit_code == 0);
  // The learning rates and jobs differ (marked), the method name does not (not a difference).
  CHECK_THAT(compare.output, Catch::Contains("* ") && Catch::Contains("method.learning_rate") && Catch::Contains("0.0003") &&
                                 Catch::Contains("unlearning.KFR") && Catch::Contains("0.75"));
  CHECK(compare.output.find("method.name") == std::string::npos);

  CHECK(run_cli("runs list --where 'KFR~1'" + index).exit_code == 2);
  const CommandResult missing = run_cli("runs show 99" + index);
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.error, Catch::Contains("99"));
  CHECK(run_cli("runs list --index " + shell_quote(dir.path + "/none.sqlite")).exit_code == 2);
}

TEST_CASE("a sweep runs one run after another, resumes and skips finished runs", "[runs][cli]") {
  TempDir dir("sweep-run");
  nlohmann::json config = tiny_eval(dir.path);
  config["sweep"] = {{"eval.max_new_tokens", {4, 8}}};
  write_text_atomic(dir.path + "/sweep.json", config.dump(2));
  const std::string cfg = shell_quote(dir.path + "/sweep.json");
  const std::string sweep = dir.path + "/sweep";

  const CommandResult listed = run_cli("run " + cfg + " --dry-run");
  INFO(listed.error);
  REQUIRE(listed.exit_code == 0);
  CHECK_THAT(listed.output, Catch::Contains("2 runs") && Catch::Contains("000-4") && Catch::Contains("eval.max_new_tokens=8") &&
                                Catch::Contains("[not started]"));
  CHECK_FALSE(fs::exists(sweep));

  const CommandResult ran = run_cli("run " + cfg);
  INFO(ran.error);
  REQUIRE(ran.exit_code == 0);
  CHECK(ran.output == sweep + "\n");
  for (const char* run : {"/runs/000-4", "/runs/001-8"})
    for (const char* file : {"/metrics.json", "/report.html", "/config.resolved.json"}) CHECK(fs::exists(sweep + run + file));
  CHECK(read_json(sweep + "/runs/001-8/config.resolved.json")["eval"]["max_new_tokens"] == 8);
  for (const char* file : {"/sweep.json", "/sweep_report.html", "/summary.md"}) CHECK(fs::exists(sweep + file));
  CHECK_THAT(read_text_file(sweep + "/sweep_report.html"), Catch::Contains("runs/001-8/report.html"));
  const RunIndex index(dir.path + "/index.sqlite");
  REQUIRE(index.list().size() == 2);
  CHECK(index.find(sweep + "/runs/000-4")->status == "done");

  // The second run half done (its folder exists, no metrics), then the sweep resumed: the first
  // is not redone, the second finishes.
  const auto first_time = fs::last_write_time(sweep + "/runs/000-4/metrics.json");
  fs::remove(sweep + "/runs/001-8/metrics.json");
  const CommandResult state = run_cli("run --resume " + shell_quote(sweep) + " --dry-run");
  CHECK_THAT(state.output, Catch::Contains("[done]") && Catch::Contains("[unfinished]"));
  const CommandResult resumed = run_cli("run --resume " + shell_quote(sweep));
  INFO(resumed.error);
  REQUIRE(resumed.exit_code == 0);
  CHECK_THAT(resumed.error, Catch::Contains("finished earlier"));
  CHECK(fs::last_write_time(sweep + "/runs/000-4/metrics.json") == first_time);
  CHECK(fs::exists(sweep + "/runs/001-8/metrics.json"));
  CHECK(index.list().size() == 2);  // the resumed run kept its row

  // Running the same config again continues in its folder; a different sweep there is refused.
  CHECK(run_cli("run " + cfg).exit_code == 0);
  const CommandResult other = run_cli("run " + cfg + " --set eval.max_items=1");
  CHECK(other.exit_code == 2);
  CHECK_THAT(other.error, Catch::Contains("another sweep"));
}

TEST_CASE("a half-done sweep run resumes from its checkpoint", "[runs][cli]") {
  TempDir dir("sweep-resume");
  const auto first_lines = [&](const std::string& from, const std::string& to) {
    std::ifstream in(from);
    std::ofstream out(to);
    std::string line;
    for (int i = 0; i < 4 && std::getline(in, line); ++i) out << line << "\n";
    return to;
  };
  const nlohmann::json config = {
      {"job", "unlearn"},
      {"threads", 1},
      {"model", {{"path", kRoot + "/data/models/world-tiny"}}},
      {"data",
       {{"forget", {first_lines(kRoot + "/data/world/qa/forget.jsonl", dir.path + "/forget.jsonl")}},
        {"retain", {first_lines(kRoot + "/data/world/qa/retain.jsonl", dir.path + "/retain.jsonl")}},
        {"max_length", 64}}},
      {"method", {{"name", "ga_gdr"}, {"num_train_epochs", 2}, {"per_device_train_batch_size", 4}}},
      {"eval", {{"enabled", false}, {"loss", false}}},
      {"output", {{"dir", dir.path + "/sweep"}, {"index", "none"}}},
      {"sweep", {{"method.learning_rate", {1e-3, 3e-3}}}}};
  write_text_atomic(dir.path + "/sweep.json", config.dump(2));
  const CommandResult ran = run_cli("run " + shell_quote(dir.path + "/sweep.json"));
  INFO(ran.error);
  REQUIRE(ran.exit_code == 0);
  const std::string second = dir.path + "/sweep/runs/001-0.003";
  REQUIRE(read_json(second + "/metrics.json")["unlearn"]["resumed_from_step"] == 0);
  CHECK_FALSE(fs::exists(dir.path + "/index.sqlite"));  // output.index none
  // The run stopped after its last checkpoint, before writing its results: resumed, it trains no
  // step again.
  fs::remove(second + "/metrics.json");
  const CommandResult resumed = run_cli("run --resume " + shell_quote(dir.path + "/sweep"));
  INFO(resumed.error);
  REQUIRE(resumed.exit_code == 0);
  const nlohmann::json metrics = read_json(second + "/metrics.json");
  CHECK(metrics["unlearn"]["resumed_from_step"] == metrics["unlearn"]["steps"]);
  CHECK(metrics["unlearn"]["steps"].get<int64_t>() > 0);
}

TEST_CASE("sweep errors name the run and the key before anything runs", "[runs][cli]") {
  TempDir dir("sweep-errors");
  nlohmann::json config = tiny_eval(dir.path);
  config["sweep"] = {{"eval.max_new_tokenz", {4, 8}}};
  write_text_atomic(dir.path + "/bad.json", config.dump(2));
  const CommandResult bad = run_cli("run " + shell_quote(dir.path + "/bad.json"));
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.error, Catch::Contains("bad.json") && Catch::Contains("sweep run 000-4") &&
                            Catch::Contains("eval.max_new_tokenz") && Catch::Contains("eval.max_new_tokens"));
  CHECK_FALSE(fs::exists(dir.path + "/sweep"));
  write_text_atomic(dir.path + "/plain.json", tiny_eval(dir.path).dump());
  CHECK(run_cli("run " + shell_quote(dir.path + "/plain.json") + " --dry-run").exit_code == 2);
}

TEST_CASE("a sweep emitted for Slurm writes an array script and the runs' configs, and a task runs its run", "[runs][cli]") {
  TempDir dir("sweep-slurm");
  nlohmann::json config = tiny_eval(dir.path);
  config["sweep"] = {{"eval.max_new_tokens", {4, 8, 12}}};
  write_text_atomic(dir.path + "/sweep.json", config.dump(2));
  const std::string cfg = shell_quote(dir.path + "/sweep.json");
  CHECK(run_cli("run " + cfg + " --emit slurm").exit_code == 2);  // no partition
  const CommandResult emitted = run_cli("run " + cfg + " --emit slurm --partition gpu --gpus-per-run 2 --time 01:00:00");
  INFO(emitted.error);
  REQUIRE(emitted.exit_code == 0);
  const std::string sweep = dir.path + "/sweep", script = sweep + "/sweep.sbatch";
  CHECK(emitted.output == script + "\n");
  const std::string text = read_text_file(script);
  CHECK_THAT(text, Catch::Contains("#SBATCH --partition=gpu") && Catch::Contains("#SBATCH --array=0-2") &&
                       Catch::Contains("#SBATCH --gres=gpu:2") && Catch::Contains("#SBATCH --time=01:00:00") &&
                       Catch::Contains("run --resume"));
  const nlohmann::json second = read_json(sweep + "/configs/001-8.json");
  CHECK(second["output"]["dir"] == sweep + "/runs/001-8");
  CHECK(second["eval"]["max_new_tokens"] == 8);
  CHECK_FALSE(fs::exists(sweep + "/runs"));  // nothing ran here
  // What a cluster node does for task 1, then the report over what has run.
  REQUIRE(std::system(("SLURM_ARRAY_TASK_ID=1 bash " + shell_quote(script) + " >/dev/null 2>&1").c_str()) == 0);
  CHECK(fs::exists(sweep + "/runs/001-8/metrics.json"));
  CHECK_FALSE(fs::exists(sweep + "/runs/000-4"));
  const CommandResult report = run_cli("runs report " + shell_quote(sweep));
  REQUIRE(report.exit_code == 0);
  const std::string html = read_text_file(sweep + "/sweep_report.html");
  CHECK_THAT(html, Catch::Contains("not started") && Catch::Contains("001-8"));
}
