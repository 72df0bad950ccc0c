// Gradient ascent on the forget items, −CE(forget) (Jang et al. 2023, "Knowledge Unlearning for
// Mitigating Privacy Risks in Language Models"): ga, ga_gdr, ga_klr and their _sure variants.
#pragma once
#include "libllmedit/methods_api/method_registry.h"

namespace llmedit::unlearn {

void register_ga_methods(MethodRegistry& registry);

}  // namespace llmedit::unlearn
