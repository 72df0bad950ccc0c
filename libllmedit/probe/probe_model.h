// A probe: one of the five regressors of this module behind one call, on standardized inputs, so
// a caller (cross-validation, the probe job, the audit) picks the method by name.
#pragma once
#include <torch/types.h>

#include <string>
#include <vector>

#include "libllmedit/probe/elm.h"
#include "libllmedit/probe/irls.h"
#include "libllmedit/probe/ls_svr.h"

namespace llmedit {

enum class ProbeMethod { LsSvr, WeightedLsSvr, IrlsLsSvr, Elm, IrlsElm };

// "ls_svr", "weighted_ls_svr", "irls_ls_svr", "elm", "irls_elm"; a config error naming `field`
// and the value otherwise.
ProbeMethod parse_probe_method(const std::string& name, const std::string& field);
const char* probe_method_name(ProbeMethod method);
const std::vector<std::string>& probe_method_names();

struct ProbeOptions {
  ProbeMethod method = ProbeMethod::IrlsLsSvr;
  // The linear kernel sees the standardized inputs divided by sqrt(D), so Ω_ij is the mean product
  // of the features and C means the same for any width D. sigma ≤ 0 picks σ² = the median squared
  // distance between standardized training inputs, the usual scale-free choice for an RBF width.
  LsSvrOptions ls_svr{KernelType::Linear, 1.0, 0.0};
  // weight_scale ≤ 0 picks sqrt(3 / D): on standardized inputs every pre-activation x·w then has
  // unit variance, so the hidden units neither saturate nor stay linear as D grows.
  ElmOptions elm{200, ElmActivation::Sigmoid, 0.1, 0, 0.0};
  IrlsOptions irls;
};

struct ProbeFit {
  torch::Tensor prediction;  // [M] float64 in the targets' units, or [M, K] one-vs-rest scores
  int iterations = 0;        // IRLS refits over all the fits made (0 for the unweighted methods)
  int fits = 1;              // regressions fitted: 1, or K one-vs-rest
};

// Standardizes each input column and the targets with the training set's mean and standard
// deviation (constant columns are left unscaled), fits, and predicts x_test (in target units).
// x_train [N, D], y_train [N], x_test [M, D].
ProbeFit fit_predict(const ProbeOptions& options, const torch::Tensor& x_train, const torch::Tensor& y_train,
                     const torch::Tensor& x_test);

// One-vs-rest classification: class c is a regression on targets +1 (label c) / −1 (Suykens &
// Vandewalle's LS-SVM classifier, one output per class); the predicted class is the highest score.
// labels_train [N] int64 in [0, classes) -> prediction = scores [M, classes] float64.
ProbeFit fit_predict_one_vs_rest(const ProbeOptions& options, const torch::Tensor& x_train,
                                 const torch::Tensor& labels_train, int64_t classes, const torch::Tensor& x_test);

}  // namespace llmedit
