#include "libllmedit/report/flat_json.h"

namespace llmedit {

namespace {

bool holds_objects(const nlohmann::json& array) {
  for (const nlohmann::json& item : array)
    if (item.is_object()) return true;
  return false;
}

void flatten_into(const nlohmann::json& value, const std::string& prefix, bool expand_arrays, nlohmann::json& out) {
  const auto child = [&](const std::string& key) { return prefix.empty() ? key : prefix + "." + key; };
  if (value.is_object() && !value.empty()) {
    for (const auto& [key, item] : value.items()) flatten_into(item, child(key), expand_arrays, out);
  } else if (expand_arrays && value.is_array() && holds_objects(value)) {
    for (size_t i = 0; i < value.size(); ++i) flatten_into(value[i], child(std::to_string(i)), expand_arrays, out);
  } else if (!prefix.empty()) {
    out[prefix] = value;
  }
}

}  // namespace

nlohmann::json dotted_leaves(const nlohmann::json& value, bool expand_arrays) {
  nlohmann::json out = nlohmann::json::object();
  flatten_into(value, "", expand_arrays, out);
  return out;
}

nlohmann::json numeric_leaves(const nlohmann::json& value) {
  nlohmann::json out = nlohmann::json::object();
  const nlohmann::json flat = dotted_leaves(value);  // items() refers to it: keep it alive
  for (const auto& [key, leaf] : flat.items())
    if (leaf.is_number()) out[key] = leaf;
  return out;
}

}  // namespace llmedit
