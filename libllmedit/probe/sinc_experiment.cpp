#include "libllmedit/probe/sinc_experiment.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "libllmedit/probe/robust_fit.h"

namespace llmedit {

namespace {

constexpr double kPi = 3.14159265358979323846;

double unit(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }  // [0, 1)

double gaussian(std::mt19937_64& rng) {  // Box–Muller; 1 − u keeps the log finite
  const double u = 1.0 - unit(rng), w = unit(rng);
  return std::sqrt(-2.0 * std::log(u)) * std::cos(2.0 * kPi * w);
}

double sinc(double x) { return x == 0.0 ? 1.0 : std::sin(x) / x; }

// Fisher–Yates with our own index draws (std::shuffle's use of the engine is unspecified).
std::vector<int64_t> first_of_permutation(std::mt19937_64& rng, int64_t n, int64_t k) {
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  for (int64_t i = n - 1; i > 0; --i) std::swap(order[i], order[static_cast<int64_t>(unit(rng) * (i + 1))]);
  order.resize(static_cast<size_t>(k));
  return order;
}

double rmse(const torch::Tensor& prediction, const torch::Tensor& truth) {
  return std::sqrt((prediction - truth).pow(2).mean().item<double>());
}

}  // namespace

SincData make_sinc_data(const SincOptions& o) {
  std::mt19937_64 rng(o.seed);
  const int64_t n = o.train_points;
  std::vector<double> x(n), y(n);
  for (int64_t i = 0; i < n; ++i) {
    x[i] = -10.0 + 20.0 * unit(rng);
    y[i] = sinc(x[i]) + o.noise * gaussian(rng);
  }
  std::vector<int64_t> is_outlier(n, 0);
  const auto outliers = static_cast<int64_t>(std::floor(o.outlier_fraction * static_cast<double>(n)));
  for (int64_t i : first_of_permutation(rng, n, outliers)) {
    y[i] = o.outlier_range * (2.0 * unit(rng) - 1.0);
    is_outlier[i] = 1;
  }
  SincData d;
  d.x = torch::tensor(x, torch::kFloat64);
  d.y = torch::tensor(y, torch::kFloat64);
  d.outlier = torch::tensor(is_outlier, torch::kInt64).to(torch::kBool);
  d.x_test = torch::linspace(-10.0, 10.0, o.test_points, torch::kFloat64);
  d.y_test = torch::where(d.x_test == 0, torch::ones_like(d.x_test), torch::sin(d.x_test) / d.x_test);
  return d;
}

std::vector<SincMethodResult> run_sinc_experiment(const SincOptions& o) {
  const SincData d = make_sinc_data(o);
  const torch::Tensor x = d.x.unsqueeze(1), x_test = d.x_test.unsqueeze(1);  // [N, 1], [M, 1]
  std::vector<SincMethodResult> out;
  out.push_back({"ls_svr", rmse(fit_ls_svr(x, d.y, o.ls_svr).predict(x_test), d.y_test), 0});
  const auto weighted = fit_weighted_ls_svr(x, d.y, o.ls_svr, o.irls.weights);
  out.push_back({"weighted_ls_svr", rmse(weighted.model.predict(x_test), d.y_test), weighted.irls.iterations});
  const auto irls_svr = fit_irls_ls_svr(x, d.y, o.ls_svr, o.irls);
  out.push_back({"irls_ls_svr", rmse(irls_svr.model.predict(x_test), d.y_test), irls_svr.irls.iterations});
  out.push_back({"elm", rmse(fit_elm(x, d.y, o.elm).predict(x_test), d.y_test), 0});
  const auto irls_elm = fit_irls_elm(x, d.y, o.elm, o.irls);
  out.push_back({"irls_elm", rmse(irls_elm.model.predict(x_test), d.y_test), irls_elm.irls.iterations});
  return out;
}

}  // namespace llmedit
