// The methods that ship with llmedit. Call register_builtin_methods once on the registry a
// program hands to its jobs; nothing registers itself at static-initialization time.
#pragma once
#include "libllmedit/methods_api/method_registry.h"

namespace llmedit {

// Unlearning: ga, ga_gdr, ga_klr, npo, npo_gdr, npo_klr, simnpo, relearn, relearn_gdr,
// relearn_klr and the _sure variant of each.
void register_builtin_methods(MethodRegistry& registry);

}  // namespace llmedit
