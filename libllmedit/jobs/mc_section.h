// job "multiple_choice": k-shot multiple-choice accuracy of a model on a benchmark folder in the
// MMLU/CMMLU/ArcMMLU CSV layout (dev/ and test/ CSVs per subject).
#pragma once
#include <nlohmann/json.hpp>

#include <string>

#include "libllmedit/core/config.h"
#include "libllmedit/eval/multiple_choice.h"
#include "libllmedit/jobs/job_registry.h"

namespace llmedit {

JobKind multiple_choice_job_kind();

// Declares data.mc, data.subjects and eval.* (format, shots, max_length, batch_size, max_items,
// subject_names, template.*).
void declare_mc_options(ConfigSchema& schema);
// Reads them into MCOptions; config errors name `source` and the key.
MCOptions read_mc_options(const nlohmann::json& config, const std::string& source);

}  // namespace llmedit
