// The "sweep" key of a config: which config keys take which values, as a grid (every
// combination) or as `n` random draws. Read once into SweepSpec; everything else uses that.
//   {"method.name": ["ga_gdr", "npo_gdr"], "method.learning_rate": [1e-5, 3e-5]}          grid
//   {"mode": "random", "n": 8, "random_seed": 1,
//    "method.learning_rate": {"low": 1e-5, "high": 1e-3, "log": true}, "method.name": [...]} random
// Besides the swept keys: "mode", "n", "random_seed" and "columns" ({"title", "key"} metric
// columns of the sweep's comparison; default: the headline metrics its runs have).
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "libllmedit/report/comparison_table.h"

namespace llmedit {

enum class SweepMode { Grid, Random };

// A random sweep's continuous axis: uniform in [low, high], or log-uniform with `log`;
// `integer` rounds the draw.
struct SweepRange {
  double low = 0, high = 0;
  bool log = false, integer = false;
};

struct SweepAxis {
  std::string key;                     // dotted config key, e.g. method.learning_rate
  std::vector<nlohmann::json> values;  // grid values, or a random sweep's choices
  std::optional<SweepRange> range;     // random sweeps only: draw from a range instead
};

struct SweepSpec {
  SweepMode mode = SweepMode::Grid;
  int64_t n = 0;             // random: how many runs to draw
  uint64_t random_seed = 0;  // random: the draws depend on nothing else
  std::vector<SweepAxis> axes;  // in key order
  std::vector<ComparisonColumn> columns;
};

// A config error naming `source`, the key and the value for anything malformed.
SweepSpec read_sweep_spec(const nlohmann::json& sweep, const std::string& source);

}  // namespace llmedit
