#include "libllmedit/report/sweep_report.h"

#include "libllmedit/report/html_page.h"
#include "libllmedit/report/html_text.h"
#include "libllmedit/report/run_charts.h"

namespace llmedit {

namespace {

std::string runs_table(const SweepReport& report) {
  std::vector<std::string> header = {"run", "status"};
  for (const std::string& key : report.keys) header.push_back("<code>" + html_escape(key) + "</code>");
  for (const ComparisonColumn& column : report.columns)
    header.push_back("<span title=\"" + html_escape(column.key) + "\">" + html_escape(column.title) + "</span>");
  std::vector<std::vector<std::string>> rows;
  for (const SweepReportRun& run : report.runs) {
    const std::string folder = html_escape(run.folder);
    std::vector<std::string> row = {"<th><a href=\"" + folder + "/report.html\">" + html_escape(run.label) + "</a></th>",
                                    "<span class=\"status-" + html_escape(run.status) + "\">" + html_escape(run.status) + "</span>"};
    for (const std::string& key : report.keys) row.push_back(short_value_cell(run.set.value(key, nlohmann::json())));
    for (const ComparisonColumn& column : report.columns) row.push_back(short_value_cell(json_at_dotted(run.metrics, column.key)));
    rows.push_back(std::move(row));
  }
  return html_table(header, rows, "comparison");
}

size_t count_done(const SweepReport& report) {
  size_t done = 0;
  for (const SweepReportRun& run : report.runs) done += run.status == "done";
  return done;
}

}  // namespace

std::string sweep_report_html(const SweepReport& report) {
  std::vector<std::pair<std::string, nlohmann::json>> finished;
  for (const SweepReportRun& run : report.runs)
    if (run.metrics.is_object()) finished.emplace_back(run.label, run.metrics);
  const std::string chart = kfr_krr_chart_svg(finished);
  const std::string body =
      "<h1>" + html_escape(report.title) + "</h1>\n<div class=\"meta\">sweep of " + std::to_string(report.runs.size()) +
      " runs, " + std::to_string(count_done(report)) + " done</div>\n<h2>Runs</h2>\n" + runs_table(report) +
      (chart.empty() ? "" : "<h2>Charts</h2>\n<div class=\"charts\">" + chart + "</div>\n") +
      "<h2>Config</h2>\n<details><summary>the sweep's config</summary><pre>" + html_escape(report.config.dump(2)) +
      "</pre></details>\n";
  return html_page(report.title + " · llmedit sweep", body);
}

}  // namespace llmedit
