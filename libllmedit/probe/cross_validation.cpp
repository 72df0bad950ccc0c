#include "libllmedit/probe/cross_validation.h"

#include <torch/torch.h>

#include <cmath>
#include <numeric>
#include <random>

#include "libllmedit/core/error.h"

namespace llmedit {

std::vector<torch::Tensor> kfold_test_indices(int64_t n, int64_t k, uint64_t seed) {
  if (k < 2 || k > n)
    throw config_error("cross-validation needs 2 <= folds <= items; got folds = " + std::to_string(k) + " for " +
                       std::to_string(n) + " items");
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed);
  for (int64_t i = n - 1; i > 0; --i) {
    const auto j = static_cast<int64_t>(static_cast<double>(rng() >> 11) * 0x1.0p-53 * static_cast<double>(i + 1));
    std::swap(order[i], order[j]);
  }
  std::vector<torch::Tensor> folds;
  for (int64_t f = 0, start = 0; f < k; ++f) {
    const int64_t size = n / k + (f < n % k ? 1 : 0);
    folds.push_back(torch::tensor(std::vector<int64_t>(order.begin() + start, order.begin() + start + size), torch::kInt64));
    start += size;
  }
  return folds;
}

torch::Tensor cross_val_predict(int64_t n, const std::vector<torch::Tensor>& folds, const FoldFitPredict& fit_predict) {
  torch::Tensor out;
  for (size_t f = 0; f < folds.size(); ++f) {
    std::vector<torch::Tensor> others;
    for (size_t g = 0; g < folds.size(); ++g)
      if (g != f) others.push_back(folds[g]);
    const torch::Tensor prediction = fit_predict(torch::cat(others), folds[f]).to(torch::kCPU, torch::kFloat64);
    if (!out.defined()) {
      std::vector<int64_t> shape = prediction.sizes().vec();
      shape[0] = n;
      out = torch::zeros(shape, torch::kFloat64);
    }
    out.index_copy_(0, folds[f], prediction);
  }
  return out;
}

RegressionScores regression_scores(const torch::Tensor& targets, const torch::Tensor& predictions) {
  const torch::Tensor y = targets.to(torch::kCPU, torch::kFloat64), p = predictions.to(torch::kCPU, torch::kFloat64);
  const double sse = (y - p).pow(2).sum().item<double>();
  const double sst = (y - y.mean()).pow(2).sum().item<double>();
  RegressionScores s;
  s.rmse = std::sqrt(sse / static_cast<double>(y.numel()));
  // A constant target leaves R² undefined; 0 says "no better than its mean" without a NaN in the JSON.
  s.r2 = sst > 0 ? 1.0 - sse / sst : 0.0;
  return s;
}

double classification_accuracy(const torch::Tensor& labels, const torch::Tensor& scores) {
  const torch::Tensor predicted = scores.argmax(1).to(torch::kCPU);
  return predicted.eq(labels.to(torch::kCPU, torch::kInt64)).to(torch::kFloat64).mean().item<double>();
}

}  // namespace llmedit
