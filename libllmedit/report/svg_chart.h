// Charts as inline SVG, drawn by llmedit so a report needs no scripts or network: lines (a
// training curve), labelled points (KFR vs KRR of several runs) and grouped bars (AToKe).
// Non-finite values are left out.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "libllmedit/report/chart_axes.h"

namespace llmedit::svg {

struct ChartPoint {
  double x = 0, y = 0;
  std::string label;  // shown beside a scatter point; a tooltip on line points
};

struct ChartSeries {
  std::string name;
  std::vector<ChartPoint> points;
};

std::string line_chart_svg(const ChartSpec& spec, const std::vector<ChartSeries>& series);

// Points with their labels; axes cover [0, 1] at least when every value lies there (rates).
std::string scatter_chart_svg(const ChartSpec& spec, const std::vector<ChartPoint>& points, bool unit_square = true);

struct BarGroup {
  std::string name;                                  // an x tick
  std::vector<std::pair<std::string, double>> bars;  // series name -> value
};

// One colour per series name, bars of a group side by side; the y axis includes 0.
std::string bar_chart_svg(const ChartSpec& spec, const std::vector<BarGroup>& groups);

}  // namespace llmedit::svg
