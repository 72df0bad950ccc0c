// Least-squares support vector regression (Suykens & Vandewalle 1999; Suykens et al. 2002,
// "Weighted least squares support vector machines: robustness and sparse approximation").
//
// With per-sample weights v, the dual problem is the linear system
//   [ 0   1ᵀ                  ] [ b ]   [ 0 ]
//   [ 1   Ω + diag(1/(C·v))   ] [ α ] = [ y ]
// with Ω_ij = K(x_i, x_j); the model is f(x) = Σ_i α_i K(x, x_i) + b. Every solve is in float64
// on the device of the inputs.
#pragma once
#include <torch/types.h>

#include <string>

namespace llmedit {

enum class KernelType { Linear, Rbf };

// "linear" or "rbf"; a config error naming `field` and the value otherwise.
KernelType parse_kernel(const std::string& name, const std::string& field);
const char* kernel_name(KernelType kernel);

struct LsSvrOptions {
  KernelType kernel = KernelType::Rbf;
  double C = 10.0;     // regularization γ: larger fits the data more closely
  double sigma = 1.0;  // RBF width: K(x, z) = exp(-‖x − z‖² / σ²), LS-SVMlab's convention (sig2 = σ²)
};

// K(a_i, b_j) for a [N, D], b [M, D] -> [N, M] in float64. Linear: a bᵀ.
torch::Tensor kernel_matrix(const torch::Tensor& a, const torch::Tensor& b, KernelType kernel, double sigma);

struct LsSvrModel {
  torch::Tensor support;  // [N, D] float64: the training inputs
  torch::Tensor alpha;    // [N] float64
  double bias = 0.0;
  LsSvrOptions options;

  torch::Tensor predict(const torch::Tensor& x) const;  // [M, D] -> [M] float64
};

// The kernel matrix of one training set, computed once and reused by every reweighted solve.
class LsSvrSystem {
 public:
  // x [N, D], y [N]; a config error naming the shapes when they disagree or C/σ are not positive.
  LsSvrSystem(const torch::Tensor& x, const torch::Tensor& y, LsSvrOptions options);

  // weights [N] (undefined: all ones), each > 0.
  LsSvrModel solve(const torch::Tensor& weights = {}) const;
  // Σ_j Ω_ij α_j + b on the training inputs: [N] float64.
  torch::Tensor fitted(const LsSvrModel& model) const;
  const torch::Tensor& targets() const { return y_; }

 private:
  torch::Tensor x_, y_, omega_;  // [N, D], [N], [N, N]
  LsSvrOptions options_;
};

// One weighted fit: LsSvrSystem(x, y, options).solve(weights).
LsSvrModel fit_ls_svr(const torch::Tensor& x, const torch::Tensor& y, const LsSvrOptions& options,
                      const torch::Tensor& weights = {});

}  // namespace llmedit
