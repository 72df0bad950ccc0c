// k-fold cross-validation for probes: seeded folds, out-of-fold predictions, and the scores.
#pragma once
#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <vector>

namespace llmedit {

// The test indices [n_f] int64 of k folds over a seeded shuffle of 0..n-1 (std::mt19937_64 with
// a portable Fisher–Yates), fold sizes differing by at most one. A config error when k < 2 or
// k > n.
std::vector<torch::Tensor> kfold_test_indices(int64_t n, int64_t k, uint64_t seed);

// Given train and test indices, returns predictions for the test items: [n_test] or [n_test, K].
using FoldFitPredict = std::function<torch::Tensor(const torch::Tensor& train, const torch::Tensor& test)>;

// Out-of-fold predictions [n] or [n, K] (float64): each item predicted by the model fitted on the
// other folds.
torch::Tensor cross_val_predict(int64_t n, const std::vector<torch::Tensor>& folds, const FoldFitPredict& fit_predict);

struct RegressionScores {
  double rmse = 0.0;
  double r2 = 0.0;  // 1 − Σ(y − ŷ)² / Σ(y − ȳ)² over all items; 0 when y is constant
};

// RMSE and R² of predictions [n] against targets [n].
RegressionScores regression_scores(const torch::Tensor& targets, const torch::Tensor& predictions);

// Fraction of rows of scores [n, K] whose argmax equals labels [n].
double classification_accuracy(const torch::Tensor& labels, const torch::Tensor& scores);

}  // namespace llmedit
