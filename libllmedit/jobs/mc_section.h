// The eval.mc config section: k-shot multiple-choice accuracy on a benchmark folder in the
// MMLU/CMMLU/ArcMMLU CSV layout (dev/ and test/ CSVs per subject). Run by the eval job, and by
// the unlearn job after training (utility).
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "libllmedit/core/config.h"
#include "libllmedit/eval/multiple_choice.h"

namespace llmedit {

// Declares eval.mc.* (data, subjects, format, shots, max_length, batch_size, max_items,
// subject_names, template.*).
void declare_mc_options(ConfigSchema& schema);
// Reads them into MCOptions; config errors name `source` and the key.
MCOptions read_mc_options(const nlohmann::json& config, const std::string& source);
inline bool mc_enabled(const nlohmann::json& config) { return !config_get<std::string>(config, "eval.mc.data").empty(); }

struct MCSectionResult {
  nlohmann::json metrics;               // mc_metrics_json
  std::vector<nlohmann::json> rows;     // predictions.jsonl rows
  std::string summary;                  // throughput, for summary.md (timing stays out of metrics.json)
};

MCSectionResult run_mc_section(CausalLM& model, const Tokenizer& tokenizer, const nlohmann::json& config,
                               const std::string& source);

}  // namespace llmedit
