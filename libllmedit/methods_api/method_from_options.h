// Building a registered method from code: the options a config would hold under "method." are
// given as a JSON object, checked against the method's own declarations and filled with its
// defaults, exactly as a job does before it runs the method.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "libllmedit/methods_api/method_registry.h"

namespace llmedit {

/// The resolved config a method's factory reads: {"method": options with every default filled,
/// "seed": seed}. Unknown keys, wrong types and values outside a choice list throw a config error
/// naming `source`, the key and the nearest declared key. `options` must not hold "name".
nlohmann::json resolve_method_options(const std::function<void(ConfigSchema&)>& declare, const nlohmann::json& options,
                                      uint64_t seed, const std::string& source);

/// The unlearner registered as `name`, built from `options` (e.g. {"learning_rate": 1e-4}).
/// A config error when `name` is not an unlearning method or an option is wrong.
std::unique_ptr<Unlearner> make_unlearner(const MethodRegistry& registry, const std::string& name,
                                          const nlohmann::json& options = nlohmann::json::object(), uint64_t seed = 0);

/// The editor registered as `name` ("rome", "memit", ...), built from `options`
/// (e.g. {"layers": [1], "mom2_adjustment": false}).
std::unique_ptr<Editor> make_editor(const MethodRegistry& registry, const std::string& name,
                                    const nlohmann::json& options = nlohmann::json::object(), uint64_t seed = 0);

}  // namespace llmedit
