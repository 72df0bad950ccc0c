#include "libllmedit/eval/forgetting_metrics.h"

#include <algorithm>

#include "libllmedit/eval/nli.h"

namespace llmedit {

double forget_threshold(int64_t ground_truth_entities, const ForgettingOptions& options) {
  return ground_truth_entities <= options.few_entities ? options.theta_few : options.theta_many;
}

bool is_forgotten(double similarity, int64_t ground_truth_entities, const std::optional<std::string>& nli_label,
                  const ForgettingOptions& options) {
  const bool contradicts = nli_label.has_value() && is_contradiction(*nli_label);
  return contradicts || similarity <= forget_threshold(ground_truth_entities, options);
}

bool is_retained(double similarity, const std::optional<std::string>& nli_label, const ForgettingOptions& options) {
  const bool contradicts = nli_label.has_value() && is_contradiction(*nli_label);
  return !contradicts && similarity >= options.retain_threshold;
}

double flag_rate(const std::vector<bool>& flags) {
  if (flags.empty()) return 0.0;
  return static_cast<double>(std::count(flags.begin(), flags.end(), true)) / static_cast<double>(flags.size());
}

}  // namespace llmedit
