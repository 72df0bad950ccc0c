// llmedit runs list|show|compare|report: the run index (runs/index.sqlite) and run reports.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <set>

#include "apps/llmedit/commands.h"
#include "libllmedit/core/atomic_file.h"
#include "libllmedit/core/error.h"
#include "libllmedit/jobs/sweep_runner.h"
#include "libllmedit/report/flat_json.h"
#include "libllmedit/report/html_report.h"
#include "libllmedit/report/text_table.h"
#include "libllmedit/runs/metric_filter.h"
#include "libllmedit/runs/run_index.h"

namespace llmedit::cli {

namespace {

namespace fs = std::filesystem;

struct RunsOptions {
  std::string index = "runs/index.sqlite";
  std::string job, status;
  std::vector<std::string> where, metrics;  // --where conditions, --metric columns / prefixes
  std::vector<std::string> ids;
  std::string dir;  // runs report DIR
};

// Reading commands never create an index: a wrong --index is a usage error.
RunIndex open_existing_index(const std::string& path) {
  if (!fs::exists(path))
    throw usage_error("--index " + path + ": no run index there (runs register in <output.root>/index.sqlite when they run)");
  return RunIndex(path);
}

IndexedRun find_run(const RunIndex& index, const std::string& id) {
  std::optional<IndexedRun> run = index.find(id);
  if (!run) throw usage_error("run '" + id + "' is not in the run index " + index.path() + " (see llmedit runs list)");
  return *run;
}

std::string number_text(const nlohmann::json& value) {
  if (value.is_null()) return "–";
  if (!value.is_number_float()) return value.is_string() ? value.get<std::string>() : value.dump();
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", value.get<double>());
  return text;
}

// The folder relative to the current one when it lies below it: shorter in tables.
std::string short_dir(const std::string& dir) {
  const fs::path relative = fs::path(dir).lexically_relative(fs::current_path());
  const std::string text = relative.string();
  return relative.empty() || text.rfind("..", 0) == 0 ? dir : text;
}

void list_command(const RunsOptions& o) {
  std::vector<MetricFilter> filters;
  std::vector<std::string> columns = o.metrics;
  for (const std::string& text : o.where) {
    filters.push_back(parse_metric_filter(text));
    columns.push_back(filters.back().key);
  }
  std::vector<std::string> header = {"id", "name", "job", "status", "started", "dir"};
  header.insert(header.end(), columns.begin(), columns.end());
  std::vector<std::vector<std::string>> rows;
  for (const IndexedRun& run : open_existing_index(o.index).list()) {
    if ((!o.job.empty() && run.job != o.job) || (!o.status.empty() && run.status != o.status)) continue;
    bool keep = true;
    for (const MetricFilter& f : filters) keep = keep && metric_filter_matches(f, run.metrics);
    if (!keep) continue;
    std::vector<std::string> row = {std::to_string(run.id), run.name, run.job, run.status, run.started_at, short_dir(run.dir)};
    for (const std::string& key : columns) row.push_back(number_text(run.metrics.value(key, nlohmann::json())));
    rows.push_back(std::move(row));
  }
  std::cout << format_text_table(header, rows);
}

bool wanted(const std::string& key, const std::vector<std::string>& prefixes) {
  if (prefixes.empty()) return true;
  for (const std::string& prefix : prefixes)
    if (key.rfind(prefix, 0) == 0) return true;
  return false;
}

void show_command(const RunsOptions& o) {
  const IndexedRun run = find_run(open_existing_index(o.index), o.ids.at(0));
  std::cout << "id           " << run.id << "\nname         " << run.name << "\njob          " << run.job
            << "\nstatus       " << run.status << "\nstarted      " << run.started_at << "\nended        "
            << (run.ended_at.empty() ? "–" : run.ended_at) << "\nconfig hash  " << run.config_hash << "\ndir          "
            << run.dir << "\n";
  if (fs::exists(run.dir + "/report.html")) std::cout << "report       " << run.dir << "/report.html\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& [key, value] : run.metrics.items())
    if (wanted(key, o.metrics)) rows.push_back({key, number_text(value)});
  if (!rows.empty()) std::cout << "\n" << format_text_table({"metric", "value"}, rows);
}

nlohmann::json flat_config(const IndexedRun& run) {
  const std::string file = run.dir + "/config.resolved.json";
  if (!fs::exists(file)) return nlohmann::json::object();
  nlohmann::json config = nlohmann::json::parse(read_text_file(file), nullptr, false);
  if (config.is_discarded() || !config.is_object()) return nlohmann::json::object();
  // Where a run wrote and what it was called differ between any two runs: not a difference.
  config.erase("output");
  config.erase("name");
  return dotted_leaves(config, false);
}

// Rows of `key` then one cell per run; only keys where the runs differ when `only_different`.
// Differing rows are marked with '*' (and drawn bold on a terminal).
std::string side_by_side(const std::vector<IndexedRun>& runs, const std::vector<nlohmann::json>& values,
                         const std::vector<std::string>& prefixes, bool only_different) {
  std::set<std::string> keys;
  for (const nlohmann::json& flat : values)
    for (const auto& [key, value] : flat.items())
      if (wanted(key, prefixes)) keys.insert(key);
  std::vector<std::string> header = {"", "key"};
  for (const IndexedRun& run : runs) header.push_back("#" + std::to_string(run.id) + " " + run.name);
  std::vector<std::vector<std::string>> rows;
  for (const std::string& key : keys) {
    std::vector<std::string> row = {"", key};
    std::set<std::string> distinct;
    for (const nlohmann::json& flat : values) {
      const nlohmann::json value = flat.value(key, nlohmann::json());
      distinct.insert(value.dump());
      row.push_back(number_text(value));
    }
    if (distinct.size() > 1) row[0] = "*";
    if (distinct.size() > 1 || !only_different) rows.push_back(std::move(row));
  }
  std::string table = format_text_table(header, rows);
  if (!isatty(STDOUT_FILENO)) return table;
  std::string out, line;
  for (size_t start = 0, end; start < table.size(); start = end + 1) {
    end = table.find('\n', start);
    line = table.substr(start, end - start);
    out += (line.rfind("*", 0) == 0 ? "\033[1;33m" + line + "\033[0m" : line) + "\n";
  }
  return out;
}

void compare_command(const RunsOptions& o) {
  if (o.ids.size() < 2) throw usage_error("runs compare: give two or more run ids");
  const RunIndex index = open_existing_index(o.index);
  std::vector<IndexedRun> runs;
  std::vector<nlohmann::json> configs, metrics;
  for (const std::string& id : o.ids) {
    runs.push_back(find_run(index, id));
    configs.push_back(flat_config(runs.back()));
    metrics.push_back(runs.back().metrics);
  }
  std::cout << "config differences (output.* and name aside):\n"
            << side_by_side(runs, configs, {}, true) << "\nmetrics (* differ):\n"
            << side_by_side(runs, metrics, o.metrics, false);
}

void report_command(const RunsOptions& o) {
  if (is_sweep_dir(o.dir)) {
    std::cout << write_sweep_report_of(o.dir) << std::endl;
    return;
  }
  const RunFolder run = RunFolder::open(o.dir);
  const std::string file = run.path("metrics.json");
  if (!fs::exists(file)) throw usage_error(o.dir + ": the run has no metrics.json yet (finish it with llmedit run --resume " + o.dir + ")");
  const nlohmann::json metrics = nlohmann::json::parse(read_text_file(file), nullptr, false);
  if (metrics.is_discarded()) throw data_error(file + ": not valid JSON");
  write_run_report(run, metrics);
  std::cout << run.path("report.html") << std::endl;
}

}  // namespace

void add_runs_commands(CLI::App& app) {
  auto o = std::make_shared<RunsOptions>();
  CLI::App* runs = app.add_subcommand("runs", "the run index (runs/index.sqlite) and run reports");
  runs->require_subcommand(1);
  const auto add_index = [&](CLI::App* command) {
    command->add_option("--index", o->index, "the run index")->capture_default_str();
  };
  CLI::App* list = runs->add_subcommand("list", "one line per indexed run");
  add_index(list);
  list->add_option("--job", o->job, "only runs of this job kind");
  list->add_option("--status", o->status, "only runs with this status (running, done, interrupted, failed)");
  list->add_option("--where", o->where, "KEY OP NUMBER on a key metric, e.g. 'unlearning.KFR>0.5' (repeatable, all must hold)");
  list->add_option("--metric", o->metrics, "also show this key metric (repeatable)");
  list->callback([o] { list_command(*o); });

  CLI::App* show = runs->add_subcommand("show", "a run's record and key metrics");
  add_index(show);
  show->add_option("id", o->ids, "run id (or run folder)")->required()->expected(1);
  show->add_option("--metric", o->metrics, "only metrics starting with this prefix (repeatable)");
  show->callback([o] { show_command(*o); });

  CLI::App* compare = runs->add_subcommand("compare", "runs side by side: config differences, then metrics");
  add_index(compare);
  compare->add_option("ids", o->ids, "run ids (or run folders)")->required();
  compare->add_option("--metric", o->metrics, "only metrics starting with this prefix (repeatable)");
  compare->callback([o] { compare_command(*o); });

  CLI::App* report = runs->add_subcommand("report", "(re)write report.html of a run folder, or sweep_report.html of a sweep folder");
  report->add_option("dir", o->dir, "run or sweep folder")->required();
  report->callback([o] { report_command(*o); });
}

}  // namespace llmedit::cli
