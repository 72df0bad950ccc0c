// SimNPO (Fan et al. 2024, "Simplicity Prevails: Rethinking Negative Preference Optimization for
// LLM Unlearning"): NPO without a reference model, length-normalized; simnpo and simnpo_sure.
#pragma once
#include <nlohmann/json.hpp>

#include "libllmedit/core/config.h"
#include "libllmedit/methods_api/method_registry.h"
#include "methods/unlearn/common/forget_retain.h"

namespace llmedit::unlearn {

void register_simnpo_methods(MethodRegistry& registry);

// method.beta (4.5) and method.delta (0), declared and read in options.cpp.
void declare_simnpo_options(ConfigSchema& schema);
void read_simnpo_options(const nlohmann::json& resolved, ForgetRetainOptions& options);

}  // namespace llmedit::unlearn
