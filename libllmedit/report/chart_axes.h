// The frame every SVG chart shares: a plot area inside margins, linear scales from data to
// pixels with "nice" ticks (1, 2 or 5 times a power of ten), gridlines, tick labels, titles.
// (namespace llmedit::svg: the probe job has chart types of its own in llmedit.)
#pragma once
#include <string>
#include <vector>

namespace llmedit::svg {

struct ChartSpec {
  std::string title, x_label, y_label;
  int width = 560, height = 320;
};

// Maps [lo, hi] onto the pixel range [from, to] (to < from for y, which grows downwards).
struct LinearScale {
  double lo = 0, hi = 1, from = 0, to = 1;
  double operator()(double value) const { return from + (value - lo) / (hi - lo) * (to - from); }
};

// A range that covers [lo, hi] (finite values), widened when empty or a single value, and
// rounded out to whole ticks.
struct AxisRange {
  double lo = 0, hi = 1, step = 0.2;
};
AxisRange nice_range(double lo, double hi, int target_ticks = 5);

struct PlotArea {
  double left, top, right, bottom;  // pixels
};
PlotArea plot_area(const ChartSpec& spec);

// <svg ...> opening tag with a title and the inline style every chart uses.
std::string svg_open(const ChartSpec& spec);
// Gridlines, tick labels and axis labels for the given ranges; `x_ticks` empty draws numeric
// x ticks, else one label per integer position 0..n-1 (bar charts).
std::string svg_axes(const ChartSpec& spec, const AxisRange& x, const AxisRange& y,
                     const std::vector<std::string>& x_ticks = {});

// The n-th colour of a palette that stays distinguishable for colour-blind readers.
const char* chart_colour(size_t n);

// "12.5" with at most 2 decimals: SVG coordinates.
std::string px(double value);

}  // namespace llmedit::svg
