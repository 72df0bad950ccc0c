// Which charts a run's results support, each as inline SVG ("" when the data is absent):
// training curves from train_log.jsonl, KFR vs KRR across runs (a pipeline's steps, a sweep's
// runs), per-layer probe curves, and AToKe bars (with and without METO).
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

namespace llmedit {

// Loss over steps, and the learning rate over steps, when the log has them.
std::string training_charts_svg(const std::vector<nlohmann::json>& train_log);

// One labelled point per run that has unlearning.KFR and unlearning.KRR.
std::string kfr_krr_chart_svg(const std::vector<std::pair<std::string, nlohmann::json>>& runs);

// metrics.layers[] (the probe job): R² (or accuracy) per layer, one line per regressor.
std::string probe_layers_chart_svg(const nlohmann::json& metrics);

// metrics.atoke: {group: {metric: number, ...}, ...} (e.g. "with_meto", "without_meto"), one
// bar per metric in each group.
std::string atoke_chart_svg(const nlohmann::json& metrics);

}  // namespace llmedit
