#include "libllmedit/probe/weight_functions.h"

#include <torch/torch.h>

#include "libllmedit/core/error.h"

namespace llmedit {

WeightFunction parse_weight_function(const std::string& name, const std::string& field) {
  if (name == "hampel") return WeightFunction::Hampel;
  if (name == "huber") return WeightFunction::Huber;
  if (name == "bisquare") return WeightFunction::Bisquare;
  if (name == "logistic") return WeightFunction::Logistic;
  throw config_error(field + " must be hampel, huber, bisquare or logistic; got \"" + name + "\"");
}

const char* weight_function_name(WeightFunction function) {
  switch (function) {
    case WeightFunction::Hampel: return "hampel";
    case WeightFunction::Huber: return "huber";
    case WeightFunction::Bisquare: return "bisquare";
    case WeightFunction::Logistic: return "logistic";
  }
  return "?";
}

namespace {

torch::Tensor hampel(const torch::Tensor& a, double c1, double c2) {  // a = |r|
  const torch::Tensor ramp = (c2 - a) / (c2 - c1);
  return torch::where(a <= c1, torch::ones_like(a), torch::where(a <= c2, ramp, torch::zeros_like(a)));
}

torch::Tensor huber(const torch::Tensor& a, double c) {
  return torch::where(a <= c, torch::ones_like(a), c / a);
}

torch::Tensor bisquare(const torch::Tensor& a, double c) {
  const torch::Tensor inside = (1.0 - (a / c).pow(2)).pow(2);
  return torch::where(a < c, inside, torch::zeros_like(a));
}

torch::Tensor logistic(const torch::Tensor& r) {
  // tanh(r)/r -> 1 as r -> 0; below 1e-8 the quotient is 1 to double precision.
  const torch::Tensor small = r.abs() < 1e-8;
  const torch::Tensor safe = torch::where(small, torch::ones_like(r), r);
  return torch::where(small, torch::ones_like(r), torch::tanh(safe) / safe);
}

}  // namespace

torch::Tensor robust_weights(const torch::Tensor& standardized, const WeightFunctionOptions& o) {
  const torch::Tensor r = standardized.to(torch::kFloat64);
  const torch::Tensor a = r.abs();
  torch::Tensor v;
  switch (o.function) {
    case WeightFunction::Hampel: v = hampel(a, o.hampel_c1, o.hampel_c2); break;
    case WeightFunction::Huber: v = huber(a, o.huber_c); break;
    case WeightFunction::Bisquare: v = bisquare(a, o.bisquare_c); break;
    case WeightFunction::Logistic: v = logistic(r); break;
  }
  return v.clamp(o.floor, 1.0);
}

double sample_median(const torch::Tensor& values) {
  const torch::Tensor sorted = std::get<0>(values.to(torch::kFloat64).flatten().sort());
  const int64_t n = sorted.numel();
  if (n == 0) throw Error(ErrorKind::Internal, "median of an empty tensor");
  const double upper = sorted[n / 2].item<double>();
  return n % 2 ? upper : 0.5 * (upper + sorted[n / 2 - 1].item<double>());
}

double mad_scale(const torch::Tensor& residuals) {
  const torch::Tensor e = residuals.to(torch::kFloat64).flatten();
  return 1.483 * sample_median((e - sample_median(e)).abs());
}

}  // namespace llmedit
