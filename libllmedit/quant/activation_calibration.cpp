#include "libllmedit/quant/activation_calibration.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "libllmedit/core/error.h"

namespace llmedit {

namespace {

// Stands in for one linear during calibration: records its input, then computes the float
// product, so the model's outputs (and every later layer's inputs) are the float model's.
class InputObserver : public LinearKernel {
 public:
  InputObserver(LinearInputStats* stats, double percentile) : stats_(stats), percentile_(percentile) {}

  torch::Tensor forward(const torch::Tensor& x, const LinearWeights& linear) const override {
    const torch::Tensor a = x.detach().to(torch::kFloat32).abs().reshape({-1});  // [N * in]
    const int64_t n = a.numel();
    if (n > 0) {
      stats_->absmax = std::max(stats_->absmax, a.max().item<double>());
      // k-th smallest with k = ceil(p/100 * n): the p-th percentile by the nearest-rank rule.
      const int64_t k = std::clamp<int64_t>(static_cast<int64_t>(std::ceil(percentile_ / 100.0 * static_cast<double>(n))), 1, n);
      const double clip = k == n ? a.max().item<double>() : std::get<0>(a.kthvalue(k)).item<double>();
      stats_->clip = std::max(stats_->clip, clip);
      stats_->elements += n;
    }
    return linear.float_product(x);
  }

 private:
  LinearInputStats* stats_;
  double percentile_;
};

}  // namespace

std::vector<LinearInputStats> calibrate_linear_inputs(CausalLM& model, const std::vector<std::vector<int64_t>>& samples,
                                                      const ActivationCalibrationOptions& options) {
  if (samples.empty()) throw usage_error("calibration: no calibration samples");
  if (!(options.clip_percentile > 0.0 && options.clip_percentile <= 100.0))
    throw usage_error("calibration: clip percentile must be in (0, 100]; got " + std::to_string(options.clip_percentile));
  torch::NoGradGuard no_grad;
  auto linears = model.linear_modules();
  std::vector<LinearInputStats> stats(linears.size());
  std::vector<std::shared_ptr<const LinearKernel>> saved(linears.size());
  for (size_t i = 0; i < linears.size(); ++i) {
    stats[i].name = linears[i].first;
    saved[i] = linears[i].second->kernel;
    linears[i].second->kernel = std::make_shared<InputObserver>(&stats[i], options.clip_percentile);
  }
  // Put the model's own kernels back however the forwards end.
  struct Restore {
    std::vector<std::pair<std::string, LinearWeights*>>& linears;
    std::vector<std::shared_ptr<const LinearKernel>>& saved;
    ~Restore() {
      for (size_t i = 0; i < linears.size(); ++i) linears[i].second->kernel = saved[i];
    }
  } restore{linears, saved};
  for (size_t s = 0; s < samples.size(); ++s) {
    if (samples[s].empty()) throw usage_error("calibration: sample " + std::to_string(s) + " has no tokens");
    const torch::Tensor ids = torch::tensor(samples[s], torch::kLong).unsqueeze(0).to(model.device());  // [1, T]
    model.forward(ids);
  }
  return stats;
}

}  // namespace llmedit
