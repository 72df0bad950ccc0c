#include "libllmedit/report/chart_axes.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "libllmedit/report/html_text.h"

namespace llmedit::svg {

namespace {

constexpr double kLeft = 64, kRight = 16, kTop = 40, kBottom = 44;  // kTop: room for the title and labels above the top points

double nice_step(double span, int target_ticks) {
  const double raw = span / std::max(1, target_ticks);
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0})
    if (raw <= m * power) return m * power;
  return 10 * power;
}

std::string text(double x, double y, const std::string& anchor, const std::string& body, const std::string& extra = "") {
  return "<text x=\"" + px(x) + "\" y=\"" + px(y) + "\" text-anchor=\"" + anchor + "\"" + extra + ">" +
         html_escape(body) + "</text>";
}

std::string line(double x1, double y1, double x2, double y2, const std::string& cls) {
  return "<line class=\"" + cls + "\" x1=\"" + px(x1) + "\" y1=\"" + px(y1) + "\" x2=\"" + px(x2) + "\" y2=\"" + px(y2) + "\"/>";
}

}  // namespace

std::string px(double value) {
  char out[32];
  std::snprintf(out, sizeof out, "%.2f", value);
  std::string s = out;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

AxisRange nice_range(double lo, double hi, int target_ticks) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) lo = 0, hi = 1;
  if (hi < lo) std::swap(lo, hi);
  if (hi - lo < 1e-12 * std::max(1.0, std::fabs(hi))) {
    const double pad = lo == 0 ? 0.5 : std::fabs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  AxisRange r;
  r.step = nice_step(hi - lo, target_ticks);
  r.lo = std::floor(lo / r.step + 1e-9) * r.step;
  r.hi = std::ceil(hi / r.step - 1e-9) * r.step;
  return r;
}

PlotArea plot_area(const ChartSpec& spec) { return {kLeft, kTop, spec.width - kRight, spec.height - kBottom}; }

std::string svg_open(const ChartSpec& spec) {
  return "<svg class=\"chart\" width=\"" + std::to_string(spec.width) + "\" height=\"" +
         std::to_string(spec.height) + "\" viewBox=\"0 0 " + std::to_string(spec.width) + " " + std::to_string(spec.height) +
         "\" role=\"img\" aria-label=\"" + html_escape(spec.title) + "\">" +
         text(spec.width / 2.0, 18, "middle", spec.title, " class=\"title\"");
}

std::string svg_axes(const ChartSpec& spec, const AxisRange& x, const AxisRange& y, const std::vector<std::string>& x_ticks) {
  const PlotArea a = plot_area(spec);
  const LinearScale sx{x.lo, x.hi, a.left, a.right}, sy{y.lo, y.hi, a.bottom, a.top};
  std::string out = "<g class=\"axes\">";
  for (double v = y.lo; v <= y.hi + y.step * 1e-6; v += y.step) {
    const double value = std::fabs(v) < y.step * 1e-9 ? 0 : v;
    out += line(a.left, sy(value), a.right, sy(value), "grid") + text(a.left - 6, sy(value) + 4, "end", short_number(value));
  }
  if (x_ticks.empty()) {
    for (double v = x.lo; v <= x.hi + x.step * 1e-6; v += x.step) {
      const double value = std::fabs(v) < x.step * 1e-9 ? 0 : v;
      out += line(sx(value), a.top, sx(value), a.bottom, "grid") + text(sx(value), a.bottom + 16, "middle", short_number(value));
    }
  } else {
    for (size_t i = 0; i < x_ticks.size(); ++i) out += text(sx(static_cast<double>(i)), a.bottom + 16, "middle", x_ticks[i]);
  }
  out += line(a.left, a.bottom, a.right, a.bottom, "axis") + line(a.left, a.top, a.left, a.bottom, "axis");
  out += text((a.left + a.right) / 2, spec.height - 8.0, "middle", spec.x_label, " class=\"label\"");
  const std::string cy = px((a.top + a.bottom) / 2);
  out += text(14, (a.top + a.bottom) / 2, "middle", spec.y_label, " class=\"label\" transform=\"rotate(-90 14 " + cy + ")\"");
  return out + "</g>";
}

const char* chart_colour(size_t n) {
  // Okabe and Ito's palette.
  static const char* kColours[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"};
  return kColours[n % (sizeof kColours / sizeof *kColours)];
}

}  // namespace llmedit::svg
