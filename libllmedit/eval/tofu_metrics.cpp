#include "libllmedit/eval/tofu_metrics.h"

#include <algorithm>
#include <cmath>

namespace llmedit {

double normalized_probability(double mean_nll) { return std::isfinite(mean_nll) ? std::exp(-mean_nll) : 0.0; }

double truth_ratio(double paraphrased_mean_nll, const std::vector<double>& perturbed_mean_nll) {
  if (perturbed_mean_nll.empty()) return std::nan("");
  double perturbed = 0.0;
  for (double nll : perturbed_mean_nll) perturbed += nll;
  perturbed /= static_cast<double>(perturbed_mean_nll.size());
  // P_pert / P_para with P = exp(−NLL): exp(NLL_para − NLL_pert).
  return std::exp(paraphrased_mean_nll - perturbed);
}

double truth_ratio_forget_statistic(double ratio) { return std::min(ratio, 1.0 / ratio); }

double truth_ratio_retain_statistic(double ratio) { return std::max(0.0, 1.0 - ratio); }

}  // namespace llmedit
