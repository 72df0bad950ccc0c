#include "libllmedit/probe/ls_svr.h"

#include <torch/torch.h>

#include "libllmedit/core/error.h"

namespace llmedit {

KernelType parse_kernel(const std::string& name, const std::string& field) {
  if (name == "linear") return KernelType::Linear;
  if (name == "rbf") return KernelType::Rbf;
  throw config_error(field + " must be linear or rbf; got \"" + name + "\"");
}

const char* kernel_name(KernelType kernel) { return kernel == KernelType::Linear ? "linear" : "rbf"; }

namespace {

torch::Tensor as_matrix(const torch::Tensor& x) {  // [N] or [N, D] -> [N, D] float64
  const torch::Tensor d = x.to(torch::kFloat64);
  return d.dim() == 1 ? d.unsqueeze(1) : d;
}

std::string shape(const torch::Tensor& t) {
  std::string s = "[";
  for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
  return s + "]";
}

void check_inputs(const torch::Tensor& x, const torch::Tensor& y, const LsSvrOptions& o) {
  if (x.dim() != 2 || y.dim() != 1 || x.size(0) != y.size(0) || x.size(0) == 0)
    throw config_error("LS-SVR: inputs " + shape(x) + " and targets " + shape(y) + " must be [N, D] and [N], N > 0");
  if (!(o.C > 0)) throw config_error("LS-SVR: C must be positive, got " + std::to_string(o.C));
  if (o.kernel == KernelType::Rbf && !(o.sigma > 0))
    throw config_error("LS-SVR: sigma must be positive, got " + std::to_string(o.sigma));
}

}  // namespace

torch::Tensor kernel_matrix(const torch::Tensor& a_in, const torch::Tensor& b_in, KernelType kernel, double sigma) {
  const torch::Tensor a = as_matrix(a_in), b = as_matrix(b_in);
  const torch::Tensor dot = a.matmul(b.t());  // [N, M]
  if (kernel == KernelType::Linear) return dot;
  // ‖a − b‖² = ‖a‖² + ‖b‖² − 2 a·b; rounding can make it slightly negative.
  const torch::Tensor sq = (a.pow(2).sum(1, true) + b.pow(2).sum(1).unsqueeze(0) - 2.0 * dot).clamp_min(0.0);
  return torch::exp(-sq / (sigma * sigma));
}

torch::Tensor LsSvrModel::predict(const torch::Tensor& x) const {
  return kernel_matrix(as_matrix(x).to(support.device()), support, options.kernel, options.sigma).matmul(alpha) + bias;
}

LsSvrSystem::LsSvrSystem(const torch::Tensor& x, const torch::Tensor& y, LsSvrOptions options)
    : x_(as_matrix(x)), y_(y.to(x.device(), torch::kFloat64)), options_(options) {
  check_inputs(x_, y_, options_);
  omega_ = kernel_matrix(x_, x_, options_.kernel, options_.sigma);
}

LsSvrModel LsSvrSystem::solve(const torch::Tensor& weights) const {
  const int64_t n = y_.size(0);
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64).device(y_.device());
  const torch::Tensor v = weights.defined() ? weights.to(f64) : torch::ones({n}, f64);
  torch::Tensor system = torch::zeros({n + 1, n + 1}, f64);  // [N+1, N+1]
  system.index_put_({0, torch::indexing::Slice(1)}, 1.0);
  system.index_put_({torch::indexing::Slice(1), 0}, 1.0);
  system.index_put_({torch::indexing::Slice(1), torch::indexing::Slice(1)},
                    omega_ + torch::diag(1.0 / (options_.C * v)));
  const torch::Tensor rhs = torch::cat({torch::zeros({1}, f64), y_});  // [N+1]
  const torch::Tensor solution = torch::linalg_solve(system, rhs, true);
  LsSvrModel model;
  model.support = x_;
  model.bias = solution[0].item<double>();
  model.alpha = solution.slice(0, 1);
  model.options = options_;
  return model;
}

torch::Tensor LsSvrSystem::fitted(const LsSvrModel& model) const { return omega_.matmul(model.alpha) + model.bias; }

LsSvrModel fit_ls_svr(const torch::Tensor& x, const torch::Tensor& y, const LsSvrOptions& options,
                      const torch::Tensor& weights) {
  return LsSvrSystem(x, y, options).solve(weights);
}

}  // namespace llmedit
