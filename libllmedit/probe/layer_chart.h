// A self-contained SVG line chart of a score per layer (layer on x), one line per probe method
// and an optional dashed reference line (chance or the predict-the-mean baseline).
#pragma once
#include <string>
#include <vector>

namespace llmedit {

struct ChartSeries {
  std::string name;
  std::vector<double> values;  // one per x; non-finite values are left out of the line
};

struct LineChart {
  std::string title;
  std::string x_label = "layer";
  std::string y_label;
  std::vector<double> x;
  std::vector<ChartSeries> series;
  bool has_reference = false;
  double reference = 0.0;
  std::string reference_label;
};

// The SVG document (UTF-8 text; names and labels XML-escaped).
std::string line_chart_svg(const LineChart& chart);

}  // namespace llmedit
