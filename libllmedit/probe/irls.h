// Iteratively reweighted least squares (Suykens et al. 2002, section 3; De Brabanter et al.
// 2009): fit with unit weights, then repeatedly
//   e = y − f(x)   (residuals of the last fit)
//   s = 1.483 · MAD(e)
//   v_i = W(e_i / s)   (weight_functions.h)
//   refit with weights v
// until the largest change of any model coefficient is ≤ tolerance or max_iterations refits.
// Suykens et al.'s weighted LS-SVR is this loop stopped after one refit.
#pragma once
#include <torch/types.h>

#include <functional>

#include "libllmedit/probe/weight_functions.h"

namespace llmedit {

struct IrlsOptions {
  WeightFunctionOptions weights;
  int max_iterations = 50;  // reweighted refits at most
  double tolerance = 1e-4;  // on max_i |Δcoefficient_i| between consecutive fits
};

// What a weighted least-squares fitter returns: the coefficients whose change decides
// convergence (α for LS-SVR, β for ELM) and its predictions on the training inputs.
struct WeightedFit {
  torch::Tensor coefficients;  // [P] float64
  torch::Tensor fitted;        // [N] float64
};

// Fits with the given weights [N] (all ones for the first fit).
using WeightedSolver = std::function<WeightedFit(const torch::Tensor& weights)>;

struct IrlsResult {
  torch::Tensor weights;    // [N] float64: the weights of the last fit
  int iterations = 0;       // reweighted refits done (0: the unweighted fit was kept)
  bool converged = false;   // the last change was ≤ tolerance (or the residual scale was 0)
  double last_change = 0.0; // max |Δcoefficient| of the last refit
  double scale = 0.0;       // s of the last reweighting
};

// Runs the loop for targets y [N]. The last call of `solve` is always the final fit, so a solver
// that keeps its latest model hands the caller the result. When s = 0 (more than half the residuals are equal, e.g.
// an exact fit) there is nothing to downweight robustly: the loop stops and reports converged.
IrlsResult run_irls(const torch::Tensor& y, const WeightedSolver& solve, const IrlsOptions& options);

}  // namespace llmedit
