#include "libllmedit/report/html_page.h"

#include "libllmedit/report/html_text.h"

namespace llmedit {

namespace {

const char* kStyle = R"(
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2330; background: #fff;
       max-width: 1180px; margin: 24px auto; padding: 0 20px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #d8dde6; }
.meta { color: #5a6272; margin-bottom: 16px; } .meta code { color: #1d2330; }
table { border-collapse: collapse; margin: 6px 0 14px; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #d8dde6; padding: 3px 9px; text-align: left; vertical-align: top; }
thead th { background: #eef1f6; } tbody th { white-space: nowrap; font-weight: 600; } td.num { text-align: right; font-family: ui-monospace, Menlo, Consolas, monospace; }
tbody tr:nth-child(even) { background: #f8f9fb; }
.charts { display: flex; flex-wrap: wrap; gap: 14px; }
svg.chart { border: 1px solid #d8dde6; border-radius: 4px; background: #fff; font-size: 11px; }
svg.chart .title { font-size: 13px; font-weight: 600; } svg.chart .label { fill: #5a6272; }
svg.chart line.grid { stroke: #eceff4; } svg.chart line.axis { stroke: #5a6272; }
svg.chart polyline.series { stroke-width: 1.8; }
details { margin: 6px 0; } summary { cursor: pointer; font-weight: 600; }
pre { background: #f6f8fa; padding: 10px; overflow-x: auto; font-size: 12px; }
.status-done { color: #1a7f37; } .status-failed { color: #cf222e; } .status-running, .status-interrupted { color: #9a6700; }
footer { color: #8b93a3; font-size: 12px; margin-top: 30px; }
)";

}  // namespace

std::string html_page(const std::string& title, const std::string& body) {
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
         "content=\"width=device-width, initial-scale=1\">\n<title>" +
         html_escape(title) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n" + body +
         "\n<footer>written by llmedit; self-contained: no scripts, nothing fetched</footer>\n</body>\n</html>\n";
}

std::string html_table(const std::vector<std::string>& header_html, const std::vector<std::vector<std::string>>& rows_html,
                       const std::string& css_class) {
  std::string out = "<table" + (css_class.empty() ? std::string() : " class=\"" + css_class + "\"") + "><thead><tr>";
  for (const std::string& cell : header_html) out += "<th>" + cell + "</th>";
  out += "</tr></thead><tbody>\n";
  for (const auto& row : rows_html) {
    out += "<tr>";
    for (const std::string& cell : row) out += cell.rfind("<td", 0) == 0 || cell.rfind("<th", 0) == 0 ? cell : "<td>" + cell + "</td>";
    out += "</tr>\n";
  }
  return out + "</tbody></table>\n";
}

std::string exact_value_cell(const nlohmann::json& value) {
  return std::string("<td") + (value.is_number() ? " class=\"num\"" : "") + ">" + html_escape(json_cell_text(value)) + "</td>";
}

std::string short_value_cell(const nlohmann::json& value) {
  if (!value.is_number_float()) return exact_value_cell(value);
  const std::string exact = html_escape(value.dump());
  return "<td class=\"num\" data-value=\"" + exact + "\" title=\"" + exact + "\">" + short_number(value.get<double>()) + "</td>";
}

std::string comparison_table_html(const std::vector<std::pair<std::string, nlohmann::json>>& runs,
                                  const std::vector<ComparisonColumn>& columns) {
  std::vector<std::string> header = {"run"};
  for (const ComparisonColumn& column : columns)
    header.push_back("<span title=\"" + html_escape(column.key) + "\">" + html_escape(column.title) + "</span>");
  std::vector<std::vector<std::string>> rows;
  for (const auto& [name, metrics] : runs) {
    std::vector<std::string> row = {"<th>" + name + "</th>"};
    for (const ComparisonColumn& column : columns) row.push_back(short_value_cell(json_at_dotted(metrics, column.key)));
    rows.push_back(std::move(row));
  }
  return html_table(header, rows, "comparison");
}

}  // namespace llmedit
