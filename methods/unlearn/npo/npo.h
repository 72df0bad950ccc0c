// Negative Preference Optimization (Zhang et al. 2024): npo, npo_gdr, npo_klr and their _sure
// variants; the loss is in methods/unlearn/common/unlearn_losses.h.
#pragma once
#include <nlohmann/json.hpp>

#include "libllmedit/core/config.h"
#include "libllmedit/methods_api/method_registry.h"
#include "methods/unlearn/common/forget_retain.h"

namespace llmedit::unlearn {

void register_npo_methods(MethodRegistry& registry);

// method.beta (0.1, the reference's), declared and read in options.cpp.
void declare_npo_options(ConfigSchema& schema);
void read_npo_options(const nlohmann::json& resolved, ForgetRetainOptions& options);

}  // namespace llmedit::unlearn
