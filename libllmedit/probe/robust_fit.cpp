#include "libllmedit/probe/robust_fit.h"

#include <torch/torch.h>

namespace llmedit {

RobustFit<LsSvrModel> fit_irls_ls_svr(const torch::Tensor& x, const torch::Tensor& y, const LsSvrOptions& options,
                                      const IrlsOptions& irls) {
  const LsSvrSystem system(x, y, options);
  RobustFit<LsSvrModel> out;
  const WeightedSolver solve = [&](const torch::Tensor& weights) {
    out.model = system.solve(weights);
    return WeightedFit{out.model.alpha, system.fitted(out.model)};
  };
  out.irls = run_irls(system.targets(), solve, irls);
  return out;
}

RobustFit<LsSvrModel> fit_weighted_ls_svr(const torch::Tensor& x, const torch::Tensor& y, const LsSvrOptions& options,
                                          const WeightFunctionOptions& weights) {
  IrlsOptions one_step;
  one_step.weights = weights;
  one_step.max_iterations = 1;
  return fit_irls_ls_svr(x, y, options, one_step);
}

RobustFit<ElmModel> fit_irls_elm(const torch::Tensor& x, const torch::Tensor& y, const ElmOptions& options,
                                 const IrlsOptions& irls) {
  const int64_t inputs = x.dim() == 1 ? 1 : x.size(1);
  const ElmSystem system(x, y, random_elm_hidden(inputs, options), options.C);
  RobustFit<ElmModel> out;
  const WeightedSolver solve = [&](const torch::Tensor& weights) {
    out.model = system.solve(weights);
    return WeightedFit{out.model.beta, system.fitted(out.model)};
  };
  out.irls = run_irls(system.targets(), solve, irls);
  return out;
}

}  // namespace llmedit
