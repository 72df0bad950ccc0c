#include "libllmedit/probe/probe_model.h"

#include <torch/torch.h>

#include <cmath>

#include "libllmedit/core/error.h"
#include "libllmedit/probe/robust_fit.h"
#include "libllmedit/probe/weight_functions.h"

namespace llmedit {

const std::vector<std::string>& probe_method_names() {
  static const std::vector<std::string> names = {"ls_svr", "weighted_ls_svr", "irls_ls_svr", "elm", "irls_elm"};
  return names;
}

ProbeMethod parse_probe_method(const std::string& name, const std::string& field) {
  const auto& names = probe_method_names();
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return static_cast<ProbeMethod>(i);
  throw config_error(field + " must be one of ls_svr, weighted_ls_svr, irls_ls_svr, elm, irls_elm; got \"" + name +
                     "\"");
}

const char* probe_method_name(ProbeMethod method) {
  return probe_method_names().at(static_cast<size_t>(method)).c_str();
}

namespace {

struct Standardizer {
  torch::Tensor mean, scale;  // [D]
  explicit Standardizer(const torch::Tensor& x)  // x [N, D]
      : mean(x.mean(0)), scale(x.size(0) > 1 ? x.std(0) : torch::ones_like(x[0])) {
    scale = torch::where(scale > 1e-12, scale, torch::ones_like(scale));
  }
  torch::Tensor operator()(const torch::Tensor& x) const { return (x - mean) / scale; }
};

double median_squared_distance(const torch::Tensor& x) {  // x [N, D]
  const torch::Tensor sq = x.pow(2).sum(1);
  const torch::Tensor d = (sq.unsqueeze(1) + sq.unsqueeze(0) - 2.0 * x.matmul(x.t())).clamp_min(0.0);  // [N, N]
  const int64_t n = x.size(0);
  const torch::Tensor upper = d.masked_select(torch::ones({n, n}, torch::kBool).to(x.device()).triu(1));
  return upper.numel() ? sample_median(upper) : 1.0;
}

LsSvrOptions resolved_ls_svr(LsSvrOptions o, const torch::Tensor& x) {
  if (o.kernel == KernelType::Rbf && !(o.sigma > 0)) {
    const double d2 = median_squared_distance(x);
    o.sigma = d2 > 0 ? std::sqrt(d2) : 1.0;
  }
  return o;
}

ElmOptions resolved_elm(ElmOptions o, const torch::Tensor& x) {
  if (!(o.weight_scale > 0)) o.weight_scale = std::sqrt(3.0 / static_cast<double>(x.size(1)));
  return o;
}

// On standardized x and y: predictions for x_test, and the IRLS refits.
ProbeFit fit_standardized(const ProbeOptions& o, const torch::Tensor& x, const torch::Tensor& y,
                          const torch::Tensor& x_test) {
  switch (o.method) {
    case ProbeMethod::LsSvr: return {fit_ls_svr(x, y, resolved_ls_svr(o.ls_svr, x)).predict(x_test), 0};
    case ProbeMethod::WeightedLsSvr: {
      const auto fit = fit_weighted_ls_svr(x, y, resolved_ls_svr(o.ls_svr, x), o.irls.weights);
      return {fit.model.predict(x_test), fit.irls.iterations};
    }
    case ProbeMethod::IrlsLsSvr: {
      const auto fit = fit_irls_ls_svr(x, y, resolved_ls_svr(o.ls_svr, x), o.irls);
      return {fit.model.predict(x_test), fit.irls.iterations};
    }
    case ProbeMethod::Elm: return {fit_elm(x, y, resolved_elm(o.elm, x)).predict(x_test), 0};
    case ProbeMethod::IrlsElm: {
      const auto fit = fit_irls_elm(x, y, resolved_elm(o.elm, x), o.irls);
      return {fit.model.predict(x_test), fit.irls.iterations};
    }
  }
  throw Error(ErrorKind::Internal, "unknown probe method");
}

}  // namespace

ProbeFit fit_predict(const ProbeOptions& options, const torch::Tensor& x_train, const torch::Tensor& y_train,
                     const torch::Tensor& x_test) {
  const torch::Tensor x = x_train.to(torch::kFloat64), y = y_train.to(torch::kFloat64);
  Standardizer sx(x);
  if (options.method != ProbeMethod::Elm && options.method != ProbeMethod::IrlsElm &&
      options.ls_svr.kernel == KernelType::Linear)
    sx.scale = sx.scale * std::sqrt(static_cast<double>(x.size(1)));  // Ω_ij = mean feature product
  const double y_mean = y.mean().item<double>();
  double y_scale = y.numel() > 1 ? y.std().item<double>() : 1.0;
  if (!(y_scale > 1e-12)) y_scale = 1.0;
  ProbeFit fit = fit_standardized(options, sx(x), (y - y_mean) / y_scale, sx(x_test.to(torch::kFloat64)));
  fit.prediction = fit.prediction * y_scale + y_mean;
  return fit;
}

ProbeFit fit_predict_one_vs_rest(const ProbeOptions& options, const torch::Tensor& x_train,
                                 const torch::Tensor& labels_train, int64_t classes, const torch::Tensor& x_test) {
  std::vector<torch::Tensor> scores;
  ProbeFit out;
  out.fits = static_cast<int>(classes);
  for (int64_t c = 0; c < classes; ++c) {
    const torch::Tensor target = (labels_train == c).to(torch::kFloat64) * 2.0 - 1.0;  // [N] in {-1, +1}
    ProbeFit fit = fit_predict(options, x_train, target, x_test);
    scores.push_back(fit.prediction);
    out.iterations += fit.iterations;
  }
  out.prediction = torch::stack(scores, 1);  // [M, classes]
  return out;
}

}  // namespace llmedit
