// Extreme learning machine regression (Huang, Zhu & Siew 2006, "Extreme learning machine: theory
// and applications", Neurocomputing 70): L hidden units with random, fixed input weights and
// biases; only the output weights are fitted, by weighted ridge regression (Huang et al. 2012,
// "Extreme learning machine for regression and multiclass classification", eq. 38, with
// per-sample weights V = diag(v) as in weighted ELM):
//   β = (I/C + Hᵀ V H)⁻¹ Hᵀ V y,   f(x) = h(x) β,   h(x) = g(x W + b).
// Every solve is in float64 on the device of the inputs.
#pragma once
#include <torch/types.h>

#include <cstdint>
#include <string>

namespace llmedit {

enum class ElmActivation { Sigmoid, Tanh };

// "sigmoid" or "tanh"; a config error naming `field` and the value otherwise.
ElmActivation parse_elm_activation(const std::string& name, const std::string& field);
const char* elm_activation_name(ElmActivation activation);

struct ElmOptions {
  int64_t hidden_units = 100;  // L
  ElmActivation activation = ElmActivation::Sigmoid;
  double C = 1e3;  // ridge: β minimizes ‖β‖²/C + Σ v_i (y_i − h(x_i)β)²
  uint64_t seed = 0;
  // Input weights and biases are drawn uniformly from [−weight_scale, weight_scale] (Huang et al.
  // 2006 use [−1, 1]); a larger scale gives steeper hidden units for inputs of unit spread.
  double weight_scale = 1.0;
};

// The random hidden layer: h(x) = g(x W + b).
struct ElmHidden {
  torch::Tensor weight;  // [D, L] float64
  torch::Tensor bias;    // [L] float64
  ElmActivation activation = ElmActivation::Sigmoid;

  torch::Tensor operator()(const torch::Tensor& x) const;  // [N, D] (or [N] for D = 1) -> [N, L]
};

// Draws W and b from std::mt19937_64(seed) through a fixed bits-to-double map, so a seed gives
// the same hidden layer on every platform and build.
ElmHidden random_elm_hidden(int64_t inputs, const ElmOptions& options);

struct ElmModel {
  ElmHidden hidden;
  torch::Tensor beta;  // [L] float64

  torch::Tensor predict(const torch::Tensor& x) const;  // [M, D] -> [M] float64
};

// H of one training set, computed once and reused by every reweighted solve.
class ElmSystem {
 public:
  // x [N, D], y [N]; a config error naming the shapes when they disagree or C is not positive.
  ElmSystem(const torch::Tensor& x, const torch::Tensor& y, ElmHidden hidden, double C);

  ElmModel solve(const torch::Tensor& weights = {}) const;  // weights [N] (undefined: all ones)
  torch::Tensor fitted(const ElmModel& model) const;       // H β: [N] float64
  const torch::Tensor& targets() const { return y_; }

 private:
  ElmHidden hidden_;
  torch::Tensor h_, y_;  // [N, L], [N]
  double C_;
};

// Random hidden layer from `options`, then one weighted solve.
ElmModel fit_elm(const torch::Tensor& x, const torch::Tensor& y, const ElmOptions& options,
                 const torch::Tensor& weights = {});

}  // namespace llmedit
