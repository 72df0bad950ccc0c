// Robust LS-SVR and ELM: the IRLS loop (irls.h) around the weighted solvers of ls_svr.h and elm.h.
#pragma once
#include <torch/types.h>

#include "libllmedit/probe/elm.h"
#include "libllmedit/probe/irls.h"
#include "libllmedit/probe/ls_svr.h"

namespace llmedit {

template <typename Model>
struct RobustFit {
  Model model;        // fitted with the final weights
  IrlsResult irls;    // the weights, iteration count and convergence
};

// IRLS-LS-SVR (Suykens et al. 2002; De Brabanter et al. 2009). x [N, D], y [N].
RobustFit<LsSvrModel> fit_irls_ls_svr(const torch::Tensor& x, const torch::Tensor& y, const LsSvrOptions& options,
                                      const IrlsOptions& irls);

// Weighted LS-SVR as Suykens et al. (2002) define it: one reweighting step after the unweighted fit.
RobustFit<LsSvrModel> fit_weighted_ls_svr(const torch::Tensor& x, const torch::Tensor& y, const LsSvrOptions& options,
                                          const WeightFunctionOptions& weights);

// IRLS-ELM: the hidden layer is drawn once; only β is refitted.
RobustFit<ElmModel> fit_irls_elm(const torch::Tensor& x, const torch::Tensor& y, const ElmOptions& options,
                                 const IrlsOptions& irls);

}  // namespace llmedit
