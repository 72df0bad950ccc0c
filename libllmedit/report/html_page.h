// The frame of every report page: one self-contained HTML document with its CSS inline (no
// scripts, nothing fetched), and the tables the pages are made of.
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "libllmedit/report/comparison_table.h"

namespace llmedit {

// `body` is HTML; `title` is text.
std::string html_page(const std::string& title, const std::string& body);

// A table whose cells are already HTML (escape text with html_escape first).
std::string html_table(const std::vector<std::string>& header_html, const std::vector<std::vector<std::string>>& rows_html,
                       const std::string& css_class = "");

// A <td> for a metric value: the exact JSON number as text (as in metrics.json), right-aligned.
std::string exact_value_cell(const nlohmann::json& value);
// A <td> showing a number to 4 significant digits, the exact JSON value in data-value and title.
std::string short_value_cell(const nlohmann::json& value);

// One row per run, one column per metric: `runs` are (name HTML, metrics.json).
std::string comparison_table_html(const std::vector<std::pair<std::string, nlohmann::json>>& runs,
                                  const std::vector<ComparisonColumn>& columns);

}  // namespace llmedit
