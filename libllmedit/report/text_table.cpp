#include "libllmedit/report/text_table.h"

#include <algorithm>
#include <cstdlib>

namespace llmedit {

namespace {

size_t display_width(const std::string& text) {
  size_t width = 0;
  for (unsigned char c : text)
    if ((c & 0xC0) != 0x80) ++width;  // count lead bytes only
  return width;
}

bool is_number(const std::string& text) {
  if (text.empty()) return false;
  char* end = nullptr;
  std::strtod(text.c_str(), &end);
  return *end == '\0';
}

std::string pad(const std::string& cell, size_t width, bool right) {
  const std::string fill(width - std::min(width, display_width(cell)), ' ');
  return right ? fill + cell : cell + fill;
}

}  // namespace

std::string format_text_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths(header.size(), 0);
  for (size_t c = 0; c < header.size(); ++c) widths[c] = display_width(header[c]);
  for (const auto& row : rows)
    for (size_t c = 0; c < row.size() && c < widths.size(); ++c) widths[c] = std::max(widths[c], display_width(row[c]));
  const auto line = [&](const std::vector<std::string>& cells, bool align_numbers) {
    std::string out;
    for (size_t c = 0; c < widths.size(); ++c) {
      const std::string cell = c < cells.size() ? cells[c] : "";
      out += (c ? "  " : "") + pad(cell, widths[c], align_numbers && is_number(cell));
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = line(header, false);
  for (const auto& row : rows) out += line(row, true);
  return out;
}

}  // namespace llmedit
