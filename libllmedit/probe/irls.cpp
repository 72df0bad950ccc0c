#include "libllmedit/probe/irls.h"

#include <torch/torch.h>

#include "libllmedit/core/error.h"

namespace llmedit {

IrlsResult run_irls(const torch::Tensor& y_in, const WeightedSolver& solve, const IrlsOptions& options) {
  if (options.max_iterations < 0)
    throw config_error("IRLS: max_iterations must be >= 0, got " + std::to_string(options.max_iterations));
  const torch::Tensor y = y_in.to(torch::kFloat64);
  IrlsResult result;
  result.weights = torch::ones_like(y);
  WeightedFit fit = solve(result.weights);
  for (int k = 1; k <= options.max_iterations; ++k) {
    const torch::Tensor residuals = y.to(fit.fitted.device()) - fit.fitted;
    result.scale = mad_scale(residuals);
    if (!(result.scale > 0)) {
      result.converged = true;
      break;
    }
    const torch::Tensor weights = robust_weights(residuals / result.scale, options.weights);
    WeightedFit next = solve(weights);
    result.last_change = (next.coefficients - fit.coefficients).abs().max().item<double>();
    result.weights = weights;
    result.iterations = k;
    fit = std::move(next);
    if (result.last_change <= options.tolerance) {
      result.converged = true;
      break;
    }
  }
  return result;
}

}  // namespace llmedit
