#include "libllmedit/runs/sweep_expansion.h"

#include <cmath>
#include <cctype>
#include <cstdio>

namespace llmedit {

namespace {

// splitmix64: the same draws on every platform (std's distributions are not portable).
class SweepRandom {
 public:
  explicit SweepRandom(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)

 private:
  uint64_t state_;
};

nlohmann::json draw(const SweepAxis& axis, SweepRandom& random) {
  if (!axis.range) return axis.values[random.next() % axis.values.size()];
  const SweepRange& r = *axis.range;
  const double u = random.uniform();
  const double x = r.log ? std::exp(std::log(r.low) + u * (std::log(r.high) - std::log(r.low))) : r.low + u * (r.high - r.low);
  if (r.integer) return static_cast<int64_t>(std::llround(x));
  return x;
}

std::vector<SweepPoint> expand_grid(const SweepSpec& spec) {
  std::vector<SweepPoint> points(1);
  for (const SweepAxis& axis : spec.axes) {
    std::vector<SweepPoint> next;
    for (const SweepPoint& point : points)
      for (const nlohmann::json& value : axis.values) {
        SweepPoint extended = point;
        extended.values.emplace_back(axis.key, value);
        next.push_back(std::move(extended));
      }
    points = std::move(next);
  }
  return points;
}

std::vector<SweepPoint> expand_random(const SweepSpec& spec) {
  SweepRandom random(spec.random_seed);
  std::vector<SweepPoint> points(static_cast<size_t>(spec.n));
  for (SweepPoint& point : points)
    for (const SweepAxis& axis : spec.axes) point.values.emplace_back(axis.key, draw(axis, random));
  return points;
}

std::string value_label(const nlohmann::json& value) {
  std::string text;
  if (value.is_number_float()) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.3g", value.get<double>());
    text = buffer;
  } else {
    text = value.is_string() ? value.get<std::string>() : value.dump();
  }
  std::string safe;
  for (char c : text) safe += std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '+' ? c : '_';
  return safe.substr(0, 24);
}

}  // namespace

std::vector<SweepPoint> expand_sweep(const SweepSpec& spec) {
  return spec.mode == SweepMode::Grid ? expand_grid(spec) : expand_random(spec);
}

std::string sweep_point_label(size_t index, const SweepPoint& point) {
  char number[16];
  std::snprintf(number, sizeof number, "%03zu", index);
  std::string label = number;
  for (const auto& [key, value] : point.values) label += "-" + value_label(value);
  return label.substr(0, 80);
}

}  // namespace llmedit
