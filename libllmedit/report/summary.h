// summary.md: a short account of a run that reads well on GitHub and in a terminal.
#pragma once
#include <nlohmann/json.hpp>

#include <string>

namespace llmedit {

// Metrics flattened to "a.b.c | value" rows; `extra` (may be empty) adds a "Training" table.
std::string summary_markdown(const std::string& job, const nlohmann::json& config, const nlohmann::json& metrics,
                             const nlohmann::json& extra);

// {"a": {"b": 1}} -> [("a.b", 1)], arrays of scalars kept whole.
std::vector<std::pair<std::string, nlohmann::json>> flatten_json(const nlohmann::json& value);

}  // namespace llmedit
