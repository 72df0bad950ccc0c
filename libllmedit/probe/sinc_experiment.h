// The robustness check of DESIGN.md §6 (after Suykens et al. 2002, section 5): fit
// y = sinc(x) = sin(x)/x on [−10, 10] from noisy targets of which a fraction are outliers, and
// measure each fit's RMSE against the clean function. Used by scripts/bench/irls_sinc.sh (20 seeds
// per outlier level) and by the tests at a small size.
#pragma once
#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "libllmedit/probe/elm.h"
#include "libllmedit/probe/irls.h"
#include "libllmedit/probe/ls_svr.h"

namespace llmedit {

struct SincOptions {
  int64_t train_points = 200;  // x drawn uniformly from [−10, 10]
  int64_t test_points = 1000;  // equispaced on [−10, 10], clean targets
  double noise = 0.1;          // σ of the Gaussian noise on every target
  // This fraction of the targets (rounded down, chosen at random) is replaced by an outlier
  // drawn uniformly from [−outlier_range, outlier_range]: gross errors that do not depend on x.
  double outlier_fraction = 0.2;
  double outlier_range = 3.0;
  uint64_t seed = 0;  // data draws; the ELM hidden layer uses elm.seed
  // Fixed hyperparameters, chosen once on seeds 0-4 at 0% and 20% outliers (scripts/bench/irls_sinc.sh
  // takes others on its command line).
  LsSvrOptions ls_svr{KernelType::Rbf, 10.0, 1.5};
  ElmOptions elm{100, ElmActivation::Sigmoid, 1000.0, 0, 2.0};
  IrlsOptions irls;
};

struct SincData {
  torch::Tensor x, y;            // [N] float64: training inputs and corrupted targets
  torch::Tensor outlier;         // [N] bool
  torch::Tensor x_test, y_test;  // [M] float64: grid and clean sinc
};

// Draws from std::mt19937_64(seed) with portable bits-to-double and Box–Muller maps, so the same
// options give the same data everywhere.
SincData make_sinc_data(const SincOptions& options);

struct SincMethodResult {
  std::string method;  // "ls_svr", "weighted_ls_svr", "irls_ls_svr", "elm", "irls_elm"
  double rmse = 0.0;   // against the clean sinc on the test grid
  int iterations = 0;  // IRLS refits (0 for the unweighted fits)
};

// The five fits on one draw of the data, in the order above.
std::vector<SincMethodResult> run_sinc_experiment(const SincOptions& options);

}  // namespace llmedit
