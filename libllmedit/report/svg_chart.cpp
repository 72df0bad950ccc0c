#include "libllmedit/report/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "libllmedit/report/html_text.h"

namespace llmedit::svg {

namespace {

struct Bounds {
  double x_lo = std::numeric_limits<double>::infinity(), x_hi = -x_lo, y_lo = x_lo, y_hi = -x_lo;
  void add(double x, double y) {
    x_lo = std::min(x_lo, x), x_hi = std::max(x_hi, x), y_lo = std::min(y_lo, y), y_hi = std::max(y_hi, y);
  }
};

bool finite(const ChartPoint& p) { return std::isfinite(p.x) && std::isfinite(p.y); }

std::string title_tag(const std::string& text) { return "<title>" + html_escape(text) + "</title>"; }

// Series names in their colours along the top right, one row each.
std::string legend(const ChartSpec& spec, const std::vector<std::string>& names) {
  if (names.size() < 2) return "";
  const PlotArea a = plot_area(spec);
  std::string out = "<g class=\"legend\">";
  for (size_t i = 0; i < names.size(); ++i) {
    const double y = a.top + 8 + 14.0 * static_cast<double>(i);
    out += "<rect x=\"" + px(a.right - 120) + "\" y=\"" + px(y - 8) + "\" width=\"10\" height=\"10\" fill=\"" +
           chart_colour(i) + "\"/><text x=\"" + px(a.right - 105) + "\" y=\"" + px(y + 1) + "\">" + html_escape(names[i]) + "</text>";
  }
  return out + "</g>";
}

std::string empty_chart(const ChartSpec& spec) {
  return svg_open(spec) + "<text x=\"" + px(spec.width / 2.0) + "\" y=\"" + px(spec.height / 2.0) +
         "\" text-anchor=\"middle\">no data</text></svg>";
}

}  // namespace

std::string line_chart_svg(const ChartSpec& spec, const std::vector<ChartSeries>& series) {
  Bounds b;
  for (const ChartSeries& s : series)
    for (const ChartPoint& p : s.points)
      if (finite(p)) b.add(p.x, p.y);
  if (!std::isfinite(b.x_lo)) return empty_chart(spec);
  const AxisRange x = nice_range(b.x_lo, b.x_hi), y = nice_range(b.y_lo, b.y_hi);
  const PlotArea a = plot_area(spec);
  const LinearScale sx{x.lo, x.hi, a.left, a.right}, sy{y.lo, y.hi, a.bottom, a.top};
  std::string out = svg_open(spec) + svg_axes(spec, x, y);
  std::vector<std::string> names;
  for (size_t i = 0; i < series.size(); ++i) {
    std::string points;
    for (const ChartPoint& p : series[i].points)
      if (finite(p)) points += (points.empty() ? "" : " ") + px(sx(p.x)) + "," + px(sy(p.y));
    out += "<polyline class=\"series\" fill=\"none\" stroke=\"" + std::string(chart_colour(i)) + "\" points=\"" + points + "\">" +
           title_tag(series[i].name) + "</polyline>";
    names.push_back(series[i].name);
  }
  return out + legend(spec, names) + "</svg>";
}

std::string scatter_chart_svg(const ChartSpec& spec, const std::vector<ChartPoint>& points, bool unit_square) {
  Bounds b;
  if (unit_square) b.add(0, 0), b.add(1, 1);
  size_t shown = 0;
  for (const ChartPoint& p : points)
    if (finite(p)) b.add(p.x, p.y), ++shown;
  if (shown == 0) return empty_chart(spec);
  const AxisRange x = nice_range(b.x_lo, b.x_hi), y = nice_range(b.y_lo, b.y_hi);
  const PlotArea a = plot_area(spec);
  const LinearScale sx{x.lo, x.hi, a.left, a.right}, sy{y.lo, y.hi, a.bottom, a.top};
  std::string out = svg_open(spec) + svg_axes(spec, x, y);
  for (size_t i = 0; i < points.size(); ++i) {
    const ChartPoint& p = points[i];
    if (!finite(p)) continue;
    out += "<g class=\"point\"><circle cx=\"" + px(sx(p.x)) + "\" cy=\"" + px(sy(p.y)) + "\" r=\"5\" fill=\"" +
           chart_colour(i) + "\">" + title_tag(p.label + ": (" + short_number(p.x) + ", " + short_number(p.y) + ")") +
           "</circle><text x=\"" + px(sx(p.x) + 8) + "\" y=\"" + px(sy(p.y) - 6) + "\">" + html_escape(p.label) + "</text></g>";
  }
  return out + "</svg>";
}

std::string bar_chart_svg(const ChartSpec& spec, const std::vector<BarGroup>& groups) {
  std::vector<std::string> names, ticks;
  Bounds b;
  b.add(0, 0);
  for (const BarGroup& g : groups) {
    ticks.push_back(g.name);
    for (const auto& [name, value] : g.bars) {
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
      if (std::isfinite(value)) b.add(0, value);
    }
  }
  if (groups.empty() || names.empty()) return empty_chart(spec);
  const AxisRange x{-0.5, static_cast<double>(groups.size()) - 0.5, 1}, y = nice_range(b.y_lo, b.y_hi);
  const PlotArea a = plot_area(spec);
  const LinearScale sx{x.lo, x.hi, a.left, a.right}, sy{y.lo, y.hi, a.bottom, a.top};
  const double slot = (a.right - a.left) / static_cast<double>(groups.size());
  const double width = slot * 0.8 / static_cast<double>(names.size());
  std::string out = svg_open(spec) + svg_axes(spec, x, y, ticks);
  for (size_t g = 0; g < groups.size(); ++g)
    for (const auto& [name, value] : groups[g].bars) {
      if (!std::isfinite(value)) continue;
      const size_t series = static_cast<size_t>(std::find(names.begin(), names.end(), name) - names.begin());
      const double left = sx(static_cast<double>(g)) - slot * 0.4 + width * static_cast<double>(series);
      const double top = std::min(sy(value), sy(0)), height = std::fabs(sy(value) - sy(0));
      out += "<rect class=\"bar\" x=\"" + px(left) + "\" y=\"" + px(top) + "\" width=\"" + px(width) + "\" height=\"" +
             px(height) + "\" fill=\"" + chart_colour(series) + "\">" +
             title_tag(groups[g].name + ", " + name + ": " + short_number(value, 6)) + "</rect>";
    }
  return out + legend(spec, names) + "</svg>";
}

}  // namespace llmedit::svg
