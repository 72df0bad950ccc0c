// Plain-text tables for the terminal: columns padded to their widest cell, numbers aligned right.
#pragma once
#include <string>
#include <vector>

namespace llmedit {

// `header` and each row have the same number of cells; a cell that parses as a number is
// right-aligned. Widths count UTF-8 code points, so "–" and "↑" take one column.
std::string format_text_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);

}  // namespace llmedit
