// A table comparing runs side by side: one row per run, one column per metric (a dotted key
// into each run's metrics.json). Used by the pipeline job's summary (and by sweeps).
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

namespace llmedit {

struct ComparisonColumn {
  std::string title;  // e.g. "KFR"
  std::string key;    // e.g. "unlearning.KFR"
};

// Markdown: numbers with `digits` decimals, a missing key as "–".
std::string comparison_markdown(const std::vector<std::pair<std::string, nlohmann::json>>& runs,
                                const std::vector<ComparisonColumn>& columns, int digits = 3);

// Pairs of runs in one table, each cell "before → after" (e.g. an editor without and with METO).
struct ComparisonPair {
  std::string title;  // the row, e.g. "ROME"
  nlohmann::json before, after;  // the two runs' metrics
};
std::string paired_comparison_markdown(const std::vector<ComparisonPair>& pairs, const std::vector<ComparisonColumn>& columns,
                                       int digits = 3);

// The value at dotted `key` ("a.b.c"), or null when any part is missing.
nlohmann::json json_at_dotted(const nlohmann::json& value, const std::string& key);

}  // namespace llmedit
