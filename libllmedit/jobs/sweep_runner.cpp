#include "libllmedit/jobs/sweep_runner.h"

#include <filesystem>

#include "libllmedit/core/atomic_file.h"
#include "libllmedit/core/error.h"
#include "libllmedit/core/logging.h"
#include "libllmedit/core/progress.h"
#include "libllmedit/jobs/run_or_resume.h"
#include "libllmedit/report/headline_metrics.h"
#include "libllmedit/report/sweep_report.h"

namespace llmedit {

namespace fs = std::filesystem;

namespace {

std::string describe(const SweepRun& run) {
  std::string text;
  for (const auto& [key, value] : run.set.items()) text += (text.empty() ? "" : " ") + key + "=" + value.dump();
  return text;
}

std::string where(const SweepPlan& plan, const SweepRun& run) {
  return plan.source + " (sweep run " + run.label + ": " + describe(run) + ")";
}

LoadedConfig run_config(const SweepPlan& plan, const SweepRun& run, const JobRegistry& registry) {
  return resolve_job_config(run.config, where(plan, run), registry);
}

nlohmann::json read_metrics_or_null(const std::string& dir) {
  const std::string file = dir + "/metrics.json";
  if (!fs::exists(file)) return nullptr;
  const nlohmann::json metrics = nlohmann::json::parse(read_text_file(file), nullptr, false);
  return metrics.is_discarded() ? nlohmann::json() : metrics;
}

SweepReport sweep_report_of(const SweepPlan& plan) {
  SweepReport report;
  report.title = fs::path(plan.dir).filename().string();
  report.config = plan.config;
  for (const SweepAxis& axis : plan.spec.axes) report.keys.push_back(axis.key);
  std::vector<nlohmann::json> all;
  for (const SweepRun& run : plan.runs) {
    const nlohmann::json metrics = read_metrics_or_null(run.dir);
    report.runs.push_back({run.label, "runs/" + run.label, run_folder_state(run.dir), run.set, metrics});
    if (metrics.is_object()) all.push_back(metrics);
  }
  report.columns = plan.spec.columns.empty() ? headline_columns(all) : plan.spec.columns;
  return report;
}

// "method.name" -> /set/method/name, where the summary's "set.method.name" column finds it.
nlohmann::json::json_pointer set_pointer(const std::string& dotted_key) {
  std::string path = "/set/" + dotted_key;
  for (char& c : path)
    if (c == '.') c = '/';
  return nlohmann::json::json_pointer(path);
}

std::string sweep_summary_markdown(const SweepReport& report) {
  std::vector<ComparisonColumn> columns;
  for (const std::string& key : report.keys) columns.push_back({key, "set." + key});
  columns.insert(columns.end(), report.columns.begin(), report.columns.end());
  std::vector<std::pair<std::string, nlohmann::json>> rows;
  for (const SweepReportRun& run : report.runs) {
    nlohmann::json row = run.metrics.is_object() ? run.metrics : nlohmann::json::object();
    for (const auto& [key, value] : run.set.items()) row[set_pointer(key)] = value;
    rows.emplace_back(run.label + " (" + run.status + ")", row);
  }
  return "# sweep " + report.title + "\n\n" + comparison_markdown(rows, columns) +
         "\nEach run is a folder under `runs/` with its own report.html; sweep_report.html compares them.\n";
}

// A run that fails stops the sweep, after the report shows how far it got.
RunAttempt attempt_run(const SweepPlan& plan, const SweepRun& run, const JobRegistry& registry, const InterruptGuard* interrupt) {
  try {
    return run_or_resume(run.dir, [&] { return run_config(plan, run, registry); }, registry, interrupt);
  } catch (...) {
    write_sweep_report(plan);
    throw;
  }
}

}  // namespace

void validate_sweep(const SweepPlan& plan, const JobRegistry& registry) {
  for (const SweepRun& run : plan.runs) run_config(plan, run, registry);
}

std::string write_sweep_report(const SweepPlan& plan) {
  const SweepReport report = sweep_report_of(plan);
  write_text_atomic(plan.dir + "/summary.md", sweep_summary_markdown(report));
  const std::string path = plan.dir + "/sweep_report.html";
  write_text_atomic(path, sweep_report_html(report));
  return path;
}

std::string write_sweep_report_of(const std::string& sweep_dir) { return write_sweep_report(load_sweep_plan(sweep_dir)); }

std::string sweep_listing(const SweepPlan& plan) {
  std::string out = "sweep of " + std::to_string(plan.runs.size()) + " runs in " + plan.dir + "\n";
  for (const SweepRun& run : plan.runs)
    out += run.label + "  " + describe(run) + "  [" + run_folder_state(run.dir) + "]  " + run.dir + "\n";
  return out;
}

SweepResult run_sweep(const SweepPlan& plan, const JobRegistry& registry, const InterruptGuard* interrupt) {
  validate_sweep(plan, registry);
  save_sweep_plan(plan);
  SweepResult result{plan.dir, false};
  ProgressBar bar("sweep " + fs::path(plan.dir).filename().string(), static_cast<int64_t>(plan.runs.size()), "run");
  for (size_t i = 0; i < plan.runs.size(); ++i) {
    const SweepRun& run = plan.runs[i];
    spdlog::warn("sweep run {}/{}: {} ({})", i + 1, plan.runs.size(), run.label, describe(run));
    const RunAttempt attempt = attempt_run(plan, run, registry, interrupt);
    if (attempt.done_earlier) spdlog::warn("sweep run {}: finished earlier, not redone", run.label);
    write_sweep_report(plan);
    if (attempt.result.outcome.interrupted) {
      result.interrupted = true;
      return result;
    }
    bar.update(static_cast<int64_t>(i + 1), run.label);
  }
  bar.finish();
  return result;
}

}  // namespace llmedit
