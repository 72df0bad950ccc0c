#include "libllmedit/probe/layer_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

namespace llmedit {

namespace {

constexpr double kWidth = 640, kHeight = 400, kLeft = 70, kRight = 170, kTop = 40, kBottom = 50;
const char* const kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2"};

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '&') out += "&amp;";
    else if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '"') out += "&quot;";
    else out += c;
  }
  return out;
}

std::string num(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f", v);
  return buffer;
}

std::string tick_label(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.4g", std::abs(v) < 1e-12 ? 0.0 : v);
  return buffer;
}

struct Range {
  double lo = std::numeric_limits<double>::infinity(), hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    if (!std::isfinite(v)) return;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  void settle() {  // an empty or flat range still gets a visible span
    if (!(lo <= hi)) lo = 0, hi = 1;
    if (hi - lo < 1e-12) lo -= 0.5, hi += 0.5;
  }
};

struct Frame {
  Range x, y;
  double px(double v) const { return kLeft + (v - x.lo) / (x.hi - x.lo) * (kWidth - kLeft - kRight); }
  double py(double v) const { return kHeight - kBottom - (v - y.lo) / (y.hi - y.lo) * (kHeight - kTop - kBottom); }
};

Frame frame_for(const LineChart& c) {
  Frame f;
  for (double v : c.x) f.x.add(v);
  for (const ChartSeries& s : c.series)
    for (double v : s.values) f.y.add(v);
  if (c.has_reference) f.y.add(c.reference);
  f.x.settle();
  f.y.settle();
  // A margin inside the axes, so the end points and the lines stay off them.
  const double x_pad = 0.04 * (f.x.hi - f.x.lo), y_pad = 0.05 * (f.y.hi - f.y.lo);
  f.x.lo -= x_pad, f.x.hi += x_pad;
  f.y.lo -= y_pad, f.y.hi += y_pad;
  return f;
}

void axes(std::ostringstream& svg, const LineChart& c, const Frame& f) {
  const double x0 = kLeft, x1 = kWidth - kRight, y0 = kHeight - kBottom, y1 = kTop;
  svg << "<line x1=\"" << x0 << "\" y1=\"" << y0 << "\" x2=\"" << x1 << "\" y2=\"" << y0 << "\" stroke=\"#333\"/>\n"
      << "<line x1=\"" << x0 << "\" y1=\"" << y0 << "\" x2=\"" << x0 << "\" y2=\"" << y1 << "\" stroke=\"#333\"/>\n";
  for (double v : c.x)
    svg << "<text x=\"" << num(f.px(v)) << "\" y=\"" << y0 + 18 << "\" text-anchor=\"middle\">" << tick_label(v)
        << "</text>\n";
  for (int i = 0; i <= 4; ++i) {
    const double v = f.y.lo + (f.y.hi - f.y.lo) * i / 4.0;
    svg << "<line x1=\"" << x0 << "\" y1=\"" << num(f.py(v)) << "\" x2=\"" << x1 << "\" y2=\"" << num(f.py(v))
        << "\" stroke=\"#ddd\"/>\n<text x=\"" << x0 - 6 << "\" y=\"" << num(f.py(v) + 4)
        << "\" text-anchor=\"end\">" << tick_label(v) << "</text>\n";
  }
  svg << "<text x=\"" << (x0 + x1) / 2 << "\" y=\"" << kHeight - 12 << "\" text-anchor=\"middle\">"
      << escape(c.x_label) << "</text>\n<text transform=\"translate(16," << (y0 + y1) / 2
      << ") rotate(-90)\" text-anchor=\"middle\">" << escape(c.y_label) << "</text>\n";
}

void lines(std::ostringstream& svg, const LineChart& c, const Frame& f) {
  for (size_t s = 0; s < c.series.size(); ++s) {
    const char* color = kColors[s % (sizeof kColors / sizeof *kColors)];
    std::string points;
    for (size_t i = 0; i < c.x.size() && i < c.series[s].values.size(); ++i) {
      const double v = c.series[s].values[i];
      if (!std::isfinite(v)) continue;
      points += num(f.px(c.x[i])) + "," + num(f.py(v)) + " ";
      svg << "<circle cx=\"" << num(f.px(c.x[i])) << "\" cy=\"" << num(f.py(v)) << "\" r=\"3\" fill=\"" << color
          << "\"/>\n";
    }
    svg << "<polyline fill=\"none\" stroke=\"" << color << "\" stroke-width=\"2\" points=\"" << points << "\"/>\n";
    const double ly = kTop + 10 + 20.0 * static_cast<double>(s);
    svg << "<line x1=\"" << kWidth - kRight + 15 << "\" y1=\"" << ly << "\" x2=\"" << kWidth - kRight + 35
        << "\" y2=\"" << ly << "\" stroke=\"" << color << "\" stroke-width=\"2\"/>\n<text x=\""
        << kWidth - kRight + 40 << "\" y=\"" << ly + 4 << "\">" << escape(c.series[s].name) << "</text>\n";
  }
}

void reference(std::ostringstream& svg, const LineChart& c, const Frame& f) {
  if (!c.has_reference) return;
  const double y = f.py(c.reference), ly = kTop + 10 + 20.0 * static_cast<double>(c.series.size());
  svg << "<line x1=\"" << kLeft << "\" y1=\"" << num(y) << "\" x2=\"" << kWidth - kRight << "\" y2=\"" << num(y)
      << "\" stroke=\"#777\" stroke-dasharray=\"6,4\"/>\n<line x1=\"" << kWidth - kRight + 15 << "\" y1=\"" << ly
      << "\" x2=\"" << kWidth - kRight + 35 << "\" y2=\"" << ly
      << "\" stroke=\"#777\" stroke-dasharray=\"6,4\"/>\n<text x=\"" << kWidth - kRight + 40 << "\" y=\"" << ly + 4
      << "\">" << escape(c.reference_label) << "</text>\n";
}

}  // namespace

std::string line_chart_svg(const LineChart& chart) {
  const Frame f = frame_for(chart);
  std::ostringstream svg;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kWidth << "\" height=\"" << kHeight
      << "\" viewBox=\"0 0 " << kWidth << " " << kHeight << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"" << kWidth / 2 - kRight / 2
      << "\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">" << escape(chart.title) << "</text>\n";
  axes(svg, chart, f);
  reference(svg, chart, f);
  lines(svg, chart, f);
  svg << "</svg>\n";
  return svg.str();
}

}  // namespace llmedit
