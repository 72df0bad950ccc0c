// Robust weight functions and the residual scale for iteratively reweighted least squares.
//
// A weight function maps a standardized residual r = e / s to a weight v in (0, 1]; the IRLS
// loop (irls.h) refits with these weights. The scale s is the robust 1.483 * MAD estimate of
// Suykens, De Brabanter, Lukas & Vandewalle (2002), "Weighted least squares support vector
// machines: robustness and sparse approximation", Neurocomputing 48, eq. (9): 1.483 makes the MAD
// a consistent estimate of the standard deviation for Gaussian errors (1 / Phi^-1(3/4)).
#pragma once
#include <torch/types.h>

#include <string>

namespace llmedit {

enum class WeightFunction { Hampel, Huber, Bisquare, Logistic };

struct WeightFunctionOptions {
  WeightFunction function = WeightFunction::Hampel;
  // Hampel-type (Suykens et al. 2002, eq. 10): 1 for |r| <= c1, (c2 - |r|) / (c2 - c1) up to c2,
  // then `floor`.
  double hampel_c1 = 2.5;
  double hampel_c2 = 3.0;
  // Huber: 1 for |r| <= c, c / |r| beyond (c = 1.345: 95% efficiency under Gaussian errors).
  double huber_c = 1.345;
  // Tukey's bisquare: (1 - (r/c)^2)^2 for |r| < c, else 0 (c = 4.685: 95% efficiency).
  double bisquare_c = 4.685;
  // Every weight is at least this: a weight of 0 would make LS-SVR's diagonal 1/(C v) infinite.
  // Suykens et al. use 1e-4 for the Hampel tail; here it bounds all four functions.
  double floor = 1e-4;
};

// "hampel", "huber", "bisquare", "logistic"; a config error naming `field` and the value otherwise.
WeightFunction parse_weight_function(const std::string& name, const std::string& field);
const char* weight_function_name(WeightFunction function);

// Weights for standardized residuals r [N] (any float dtype), float64 [N], each in [floor, 1].
// Logistic is tanh(r) / r (1 at r = 0), from De Brabanter et al. (2009), "Robustness of kernel
// based regression: a comparison of iterative weighting schemes", ICANN.
torch::Tensor robust_weights(const torch::Tensor& standardized, const WeightFunctionOptions& options);

// The median (mean of the two middle values for even N) of a 1-D tensor, as a double.
double sample_median(const torch::Tensor& values);

// 1.483 * median(|e − median(e)|) of residuals e [N]; 0 when more than half are equal.
double mad_scale(const torch::Tensor& residuals);

}  // namespace llmedit
