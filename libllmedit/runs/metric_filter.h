// `--where KEY>VALUE` conditions of `llmedit runs list`: a key metric compared with a number.
#pragma once
#include <nlohmann/json.hpp>

#include <string>

namespace llmedit {

struct MetricFilter {
  std::string key;  // dotted, e.g. unlearning.KFR
  std::string op;   // >, >=, <, <=, =, !=
  double value = 0;
};

// Parses "unlearning.KFR>0.5"; a usage error naming the text when it is not KEY OP NUMBER.
MetricFilter parse_metric_filter(const std::string& text);

// False when the run has no such metric.
bool metric_filter_matches(const MetricFilter& filter, const nlohmann::json& flat_metrics);

}  // namespace llmedit
