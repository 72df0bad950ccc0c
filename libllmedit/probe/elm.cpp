#include "libllmedit/probe/elm.h"

#include <torch/torch.h>

#include <random>
#include <vector>

#include "libllmedit/core/error.h"

namespace llmedit {

ElmActivation parse_elm_activation(const std::string& name, const std::string& field) {
  if (name == "sigmoid") return ElmActivation::Sigmoid;
  if (name == "tanh") return ElmActivation::Tanh;
  throw config_error(field + " must be sigmoid or tanh; got \"" + name + "\"");
}

const char* elm_activation_name(ElmActivation activation) {
  return activation == ElmActivation::Sigmoid ? "sigmoid" : "tanh";
}

namespace {

torch::Tensor as_matrix(const torch::Tensor& x) {  // [N] or [N, D] -> [N, D] float64
  const torch::Tensor d = x.to(torch::kFloat64);
  return d.dim() == 1 ? d.unsqueeze(1) : d;
}

// n draws uniform in [-scale, scale): the top 53 bits of each 64-bit draw as a fraction, which
// std::uniform_real_distribution does not promise across standard libraries.
torch::Tensor uniform_draws(std::mt19937_64& rng, int64_t n, double scale) {
  std::vector<double> values(static_cast<size_t>(n));
  for (double& v : values) v = scale * (2.0 * static_cast<double>(rng() >> 11) * 0x1.0p-53 - 1.0);
  return torch::tensor(values, torch::kFloat64);
}

}  // namespace

torch::Tensor ElmHidden::operator()(const torch::Tensor& x) const {
  const torch::Tensor z = as_matrix(x).to(weight.device()).matmul(weight) + bias;  // [N, L]
  return activation == ElmActivation::Sigmoid ? torch::sigmoid(z) : torch::tanh(z);
}

ElmHidden random_elm_hidden(int64_t inputs, const ElmOptions& o) {
  if (inputs <= 0 || o.hidden_units <= 0)
    throw config_error("ELM: inputs (" + std::to_string(inputs) + ") and hidden_units (" +
                       std::to_string(o.hidden_units) + ") must be positive");
  std::mt19937_64 rng(o.seed);
  ElmHidden hidden;
  hidden.weight = uniform_draws(rng, inputs * o.hidden_units, o.weight_scale).view({inputs, o.hidden_units});
  hidden.bias = uniform_draws(rng, o.hidden_units, o.weight_scale);
  hidden.activation = o.activation;
  return hidden;
}

torch::Tensor ElmModel::predict(const torch::Tensor& x) const { return hidden(x).matmul(beta); }

ElmSystem::ElmSystem(const torch::Tensor& x, const torch::Tensor& y, ElmHidden hidden, double C)
    : hidden_(std::move(hidden)), C_(C) {
  const torch::Tensor xm = as_matrix(x);
  if (y.dim() != 1 || xm.size(0) != y.size(0) || xm.size(0) == 0 || xm.size(1) != hidden_.weight.size(0))
    throw config_error("ELM: inputs [" + std::to_string(xm.size(0)) + ", " + std::to_string(xm.size(1)) +
                       "] and targets of " + std::to_string(y.numel()) + " values do not match a hidden layer of " +
                       std::to_string(hidden_.weight.size(0)) + " inputs");
  if (!(C > 0)) throw config_error("ELM: C must be positive, got " + std::to_string(C));
  hidden_.weight = hidden_.weight.to(xm.device());
  hidden_.bias = hidden_.bias.to(xm.device());
  h_ = hidden_(xm);
  y_ = y.to(xm.device(), torch::kFloat64);
}

ElmModel ElmSystem::solve(const torch::Tensor& weights) const {
  const int64_t l = h_.size(1);
  const torch::Tensor v = weights.defined() ? weights.to(h_.device(), torch::kFloat64) : torch::ones_like(y_);
  const torch::Tensor hv = h_ * v.unsqueeze(1);  // V H: [N, L]
  const torch::Tensor lhs = torch::eye(l, h_.options()) / C_ + h_.t().matmul(hv);  // [L, L], symmetric positive definite
  const torch::Tensor rhs = hv.t().matmul(y_);                                        // Hᵀ V y: [L]
  ElmModel model;
  model.hidden = hidden_;
  model.beta = torch::cholesky_solve(rhs.unsqueeze(1), torch::linalg_cholesky(lhs)).squeeze(1);
  return model;
}

torch::Tensor ElmSystem::fitted(const ElmModel& model) const { return h_.matmul(model.beta); }

ElmModel fit_elm(const torch::Tensor& x, const torch::Tensor& y, const ElmOptions& options,
                 const torch::Tensor& weights) {
  const int64_t inputs = x.dim() == 1 ? 1 : x.size(1);
  return ElmSystem(x, y, random_elm_hidden(inputs, options), options.C).solve(weights);
}

}  // namespace llmedit
