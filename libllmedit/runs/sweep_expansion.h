// A sweep's runs: the grid's combinations (the last key varies fastest, as nested loops over the
// keys in order) or a random sweep's draws, which depend only on its random_seed.
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

#include "libllmedit/runs/sweep_spec.h"

namespace llmedit {

struct SweepPoint {
  std::vector<std::pair<std::string, nlohmann::json>> values;  // key -> value, in axis order
};

std::vector<SweepPoint> expand_sweep(const SweepSpec& spec);

// A folder-safe label: "003-npo_gdr-3e-05" (the index, then each value, short).
std::string sweep_point_label(size_t index, const SweepPoint& point);

}  // namespace llmedit
