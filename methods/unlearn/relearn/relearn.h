// ReLearn (Xu et al. 2025, "ReLearn: Unlearning via Learning for Large Language Models"):
// instead of pushing the forget answers' likelihood down, learn augmented forget items whose
// answers keep the subject but drop the sensitive facts, while holding the retain items:
//   relearn      CE(augmented forget) + CE(retain) + KL(ref‖θ) on retain (the reference's
//                relearn_klr_gdr; each weight 1, method.forget_weight/retain_weight/kl_weight)
//   relearn_gdr  CE(augmented forget) + CE(retain)
//   relearn_klr  CE(augmented forget) + KL(ref‖θ) on retain
// and their _sure variants. data.forget should hold the augmented items (job "augment"): on the
// original pairs these objectives would teach the sensitive answers again.
#pragma once
#include "libllmedit/methods_api/method_registry.h"

namespace llmedit::unlearn {

void register_relearn_methods(MethodRegistry& registry);

}  // namespace llmedit::unlearn
