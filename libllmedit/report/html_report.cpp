#include "libllmedit/report/html_report.h"

#include <ctime>
#include <filesystem>
#include <map>

#include "libllmedit/core/atomic_file.h"
#include "libllmedit/report/flat_json.h"
#include "libllmedit/report/headline_metrics.h"
#include "libllmedit/report/html_page.h"
#include "libllmedit/report/html_text.h"
#include "libllmedit/report/run_charts.h"

namespace llmedit {

namespace {

namespace fs = std::filesystem;

std::string utc_now_text() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M UTC", &utc);
  return text;
}

std::string string_at(const nlohmann::json& config, const std::string& key) {
  const nlohmann::json value = json_at_dotted(config, key);
  return value.is_string() ? value.get<std::string>() : "";
}

std::string run_title(const RunFolder& run) {
  const std::string name = string_at(run.config(), "name");
  return name.empty() ? fs::path(run.dir()).filename().string() : name;
}

std::string header(const RunFolder& run) {
  return "<h1>" + html_escape(run_title(run)) + "</h1>\n<div class=\"meta\">job <code>" +
         html_escape(string_at(run.config(), "job")) + "</code> · folder <code>" + html_escape(run.dir()) +
         "</code> · report written " + html_escape(utc_now_text()) + "</div>\n";
}

struct StepResult {
  std::string name;
  nlohmann::json metrics;
};

// A pipeline's step results (metrics.steps) in the order of its config's steps.
std::vector<StepResult> pipeline_steps(const RunFolder& run, const nlohmann::json& metrics) {
  if (!metrics.contains("steps") || !metrics["steps"].is_object()) return {};
  const nlohmann::json& results = metrics["steps"];
  std::vector<StepResult> steps;
  const nlohmann::json order = json_at_dotted(run.config(), "steps");
  if (order.is_array())
    for (const nlohmann::json& step : order)
      if (step.is_object() && step.contains("name") && step["name"].is_string() && results.contains(step["name"].get<std::string>()))
        steps.push_back({step["name"], results[step["name"].get<std::string>()]});
  if (steps.size() == results.size()) return steps;
  steps.clear();
  for (const auto& [name, result] : results.items()) steps.push_back({name, result});
  return steps;
}

// compare.columns of the pipeline's config, else the headline metrics its steps have.
std::vector<ComparisonColumn> pipeline_columns(const RunFolder& run, const std::vector<StepResult>& steps) {
  std::vector<ComparisonColumn> columns;
  const nlohmann::json wanted = json_at_dotted(run.config(), "compare.columns");
  if (wanted.is_array())
    for (const nlohmann::json& c : wanted)
      if (c.is_object() && c.contains("title") && c.contains("key")) columns.push_back({c["title"], c["key"]});
  if (!columns.empty()) return columns;
  std::vector<nlohmann::json> all;
  for (const StepResult& step : steps) all.push_back(step.metrics);
  return headline_columns(all);
}

std::string pipeline_section(const RunFolder& run, const nlohmann::json& metrics) {
  const std::vector<StepResult> steps = pipeline_steps(run, metrics);
  if (steps.empty()) return "";
  std::vector<std::pair<std::string, nlohmann::json>> linked, named;
  for (const StepResult& step : steps) {
    const std::string name = html_escape(step.name);
    linked.emplace_back("<a href=\"steps/" + name + "/report.html\">" + name + "</a>", step.metrics);
    named.emplace_back(step.name, step.metrics);
  }
  return "<h2>Steps</h2>\n" + comparison_table_html(linked, pipeline_columns(run, steps)) + "<div class=\"charts\">" +
         kfr_krr_chart_svg(named) + "</div>\n";
}

std::string key_metrics_section(const nlohmann::json& metrics) {
  std::vector<std::vector<std::string>> rows;
  for (const ComparisonColumn& column : headline_columns({metrics}))
    rows.push_back({html_escape(column.title), "<code>" + html_escape(column.key) + "</code>",
                    exact_value_cell(json_at_dotted(metrics, column.key))});
  if (rows.empty()) return "";
  return "<h2>Key metrics</h2>\n" + html_table({"metric", "key", "value"}, rows, "key-metrics");
}

std::string charts_section(const RunFolder& run, const nlohmann::json& metrics) {
  const std::string charts = training_charts_svg(run.train_log()) + probe_layers_chart_svg(metrics) + atoke_chart_svg(metrics);
  return charts.empty() ? "" : "<h2>Charts</h2>\n<div class=\"charts\">" + charts + "</div>\n";
}

// The section a flattened key belongs to: its first part ("unlearning"), or "steps.<name>".
std::string group_of(const std::string& key) {
  const size_t dot = key.find('.');
  if (dot == std::string::npos) return "";
  const std::string first = key.substr(0, dot);
  if (first != "steps") return first;
  const size_t second = key.find('.', dot + 1);
  return second == std::string::npos ? first : key.substr(0, second);
}

std::string metric_tables_section(const nlohmann::json& metrics) {
  std::map<std::string, std::vector<std::vector<std::string>>> groups;
  const nlohmann::json flat = dotted_leaves(metrics);  // items() refers to it: keep it alive
  for (const auto& [key, value] : flat.items())
    groups[group_of(key)].push_back({"<code>" + html_escape(key) + "</code>", exact_value_cell(value)});
  // A pipeline's hundreds of values start folded; a single run's are open.
  const bool many = flat.size() > 150;
  std::string out = "<h2>Metrics</h2>\n<p class=\"meta\">every value of metrics.json, as written there</p>\n";
  for (const auto& [group, rows] : groups)
    out += std::string("<details") + (many ? "" : " open") + "><summary>" + html_escape(group.empty() ? "(top level)" : group) +
           " (" + std::to_string(rows.size()) + ")</summary>\n" + html_table({"key", "value"}, rows, "metrics") + "</details>\n";
  return out;
}

std::string config_section(const RunFolder& run) {
  return "<h2>Config</h2>\n<details><summary>config.resolved.json</summary><pre>" + html_escape(run.config().dump(2)) +
         "</pre></details>\n";
}

}  // namespace

std::string run_report_html(const RunFolder& run, const nlohmann::json& metrics) {
  const std::string body = header(run) + key_metrics_section(metrics) + pipeline_section(run, metrics) +
                           charts_section(run, metrics) + metric_tables_section(metrics) + config_section(run);
  return html_page(run_title(run) + " · llmedit report", body);
}

void write_run_report(const RunFolder& run, const nlohmann::json& metrics) {
  write_text_atomic(run.path("report.html"), run_report_html(run, metrics));
}

}  // namespace llmedit
