// The few metrics that say how a run went, for tables that cannot show everything (a sweep's
// comparison, KFR vs KRR charts): unlearning's KFR/KRR and fluency, knowledge accuracy, MC
// accuracy, editing's efficacy/paraphrase/neighborhood, training's final loss, a probe's best R².
#pragma once
#include <nlohmann/json.hpp>

#include <vector>

#include "libllmedit/report/comparison_table.h"

namespace llmedit {

// The known headline columns that at least one of `metrics` (metrics.json objects) has, in a
// fixed order.
std::vector<ComparisonColumn> headline_columns(const std::vector<nlohmann::json>& metrics);

}  // namespace llmedit
