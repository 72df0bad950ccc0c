// A short fingerprint of what a run computes: equal for two runs whose resolved configs differ
// only in where they write (output.*) and what they are called (name), so the run index can
// tell repeated runs apart from changed ones.
#pragma once
#include <nlohmann/json.hpp>

#include <string>

namespace llmedit {

// 16 hex digits (FNV-1a 64 of the config's canonical JSON without output.* and name).
std::string config_hash(const nlohmann::json& resolved_config);

}  // namespace llmedit
