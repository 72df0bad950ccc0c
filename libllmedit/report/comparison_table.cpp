#include "libllmedit/report/comparison_table.h"

#include <cstdio>

namespace llmedit {

nlohmann::json json_at_dotted(const nlohmann::json& value, const std::string& key) {
  const nlohmann::json* at = &value;
  size_t start = 0;
  while (start <= key.size()) {
    size_t dot = key.find('.', start);
    if (dot == std::string::npos) dot = key.size();
    const std::string part = key.substr(start, dot - start);
    if (!at->is_object() || !at->contains(part)) return nullptr;
    at = &(*at)[part];
    start = dot + 1;
  }
  return *at;
}

namespace {

std::string cell(const nlohmann::json& value, int digits) {
  if (value.is_null()) return "–";
  if (value.is_number_float()) {
    char text[64];
    std::snprintf(text, sizeof text, "%.*f", digits, value.get<double>());
    return text;
  }
  if (value.is_string()) return value.get<std::string>();
  return value.dump();
}

}  // namespace

std::string comparison_markdown(const std::vector<std::pair<std::string, nlohmann::json>>& runs,
                                const std::vector<ComparisonColumn>& columns, int digits) {
  std::string header = "| run |", rule = "| --- |";
  for (const ComparisonColumn& column : columns) {
    header += " " + column.title + " |";
    rule += " --- |";
  }
  std::string out = header + "\n" + rule + "\n";
  for (const auto& [name, metrics] : runs) {
    out += "| " + name + " |";
    for (const ComparisonColumn& column : columns) out += " " + cell(json_at_dotted(metrics, column.key), digits) + " |";
    out += "\n";
  }
  return out;
}

std::string paired_comparison_markdown(const std::vector<ComparisonPair>& pairs, const std::vector<ComparisonColumn>& columns,
                                       int digits) {
  std::string header = "| |", rule = "| --- |";
  for (const ComparisonColumn& column : columns) {
    header += " " + column.title + " |";
    rule += " --- |";
  }
  std::string out = header + "\n" + rule + "\n";
  for (const ComparisonPair& pair : pairs) {
    out += "| " + pair.title + " |";
    for (const ComparisonColumn& column : columns)
      out += " " + cell(json_at_dotted(pair.before, column.key), digits) + " → " +
             cell(json_at_dotted(pair.after, column.key), digits) + " |";
    out += "\n";
  }
  return out;
}

}  // namespace llmedit
