// Registers one forget term's methods: the term with each retain combination it supports, each
// also as a `_sure` variant (e.g. npo, npo_gdr, npo_klr, npo_sure, npo_gdr_sure, ...).
#pragma once
#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "libllmedit/methods_api/method_registry.h"
#include "methods/unlearn/common/forget_retain.h"
#include "methods/unlearn/common/options.h"

namespace llmedit::unlearn {

struct ForgetFamily {
  ForgetTerm term = ForgetTerm::GradientAscent;
  std::string help;  // the forget term, for `llmedit config explain` and listings
  // Each registered name with its retain terms, e.g. {RetainTerm::Gdr, "npo_gdr"}.
  std::vector<std::pair<RetainTerm, std::string>> variants;
  TrainingDefaults defaults;
  std::function<void(ConfigSchema&)> declare;                             // the family's own options; may be empty
  std::function<void(const nlohmann::json&, ForgetRetainOptions&)> read;  // fills them; may be empty
};

void register_forget_family(MethodRegistry& registry, const ForgetFamily& family);

}  // namespace llmedit::unlearn
