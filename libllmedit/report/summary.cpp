#include "libllmedit/report/summary.h"

#include <sstream>

namespace llmedit {

namespace {

void flatten_into(const nlohmann::json& value, const std::string& prefix,
                  std::vector<std::pair<std::string, nlohmann::json>>& out) {
  if (value.is_object() && !value.empty()) {
    for (const auto& [key, child] : value.items()) flatten_into(child, prefix.empty() ? key : prefix + "." + key, out);
    return;
  }
  out.emplace_back(prefix, value);
}

std::string cell(const nlohmann::json& v) {
  if (v.is_number_float()) {
    std::ostringstream s;
    s.precision(4);
    s << std::fixed << v.get<double>();
    return s.str();
  }
  return v.is_string() ? v.get<std::string>() : v.dump();
}

void table(std::ostringstream& md, const nlohmann::json& value) {
  md << "| key | value |\n| --- | --- |\n";
  for (const auto& [key, v] : flatten_json(value)) md << "| " << key << " | " << cell(v) << " |\n";
}

}  // namespace

std::vector<std::pair<std::string, nlohmann::json>> flatten_json(const nlohmann::json& value) {
  std::vector<std::pair<std::string, nlohmann::json>> out;
  flatten_into(value, "", out);
  return out;
}

std::string summary_markdown(const std::string& job, const nlohmann::json& config, const nlohmann::json& metrics,
                             const nlohmann::json& extra) {
  std::ostringstream md;
  md << "# llmedit " << job << " run\n\n";
  if (config.contains("model") && config["model"].contains("path") && !config["model"]["path"].is_null())
    md << "Model: `" << config["model"]["path"].get<std::string>() << "`\n\n";
  md << "Full configuration: `config.resolved.json`.\n\n## Metrics\n\n";
  table(md, metrics);
  if (!extra.is_null() && !extra.empty()) {
    md << "\n## Training\n\n";
    table(md, extra);
  }
  return md.str();
}

}  // namespace llmedit
