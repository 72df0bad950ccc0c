// SURE's one option, method.sure_percentile, declared and read here (the `_sure` variants).
#pragma once
#include <nlohmann/json.hpp>

#include "libllmedit/core/config.h"
#include "methods/unlearn/common/forget_retain.h"

namespace llmedit::unlearn {

void declare_sure_options(ConfigSchema& schema);
// Turns SURE on in `options` and reads its percentile.
void read_sure_options(const nlohmann::json& resolved, ForgetRetainOptions& options);

}  // namespace llmedit::unlearn
