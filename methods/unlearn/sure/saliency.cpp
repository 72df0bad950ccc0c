#include "methods/unlearn/sure/saliency.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "libllmedit/core/error.h"

namespace llmedit::unlearn {

torch::Tensor row_norms(const torch::Tensor& grad) {
  const torch::Tensor g = grad.detach().to(torch::kFloat);
  if (g.dim() <= 1) return g.abs().reshape({-1});  // [rows]
  return g.reshape({g.size(0), -1}).norm(2, 1);    // [rows]
}

double percentile(std::vector<double> values, double q) {
  if (values.empty()) throw Error(ErrorKind::Internal, "percentile of no values");
  std::sort(values.begin(), values.end());
  const double rank = q / 100.0 * static_cast<double>(values.size() - 1);
  const auto below = static_cast<size_t>(std::floor(rank));
  const size_t above = std::min(values.size() - 1, below + 1);
  return values[below] + (values[above] - values[below]) * (rank - static_cast<double>(below));
}

std::vector<torch::Tensor> saliency_masks(const std::vector<torch::Tensor>& forget_grads, double q) {
  std::vector<torch::Tensor> norms;  // [rows] per defined gradient
  std::vector<double> all;
  for (const torch::Tensor& g : forget_grads) {
    norms.push_back(g.defined() ? row_norms(g).to(torch::kCPU).to(torch::kDouble) : torch::Tensor());
    if (!g.defined()) continue;
    const double* data = norms.back().data_ptr<double>();
    all.insert(all.end(), data, data + norms.back().numel());
  }
  std::vector<torch::Tensor> masks(forget_grads.size());
  if (all.empty()) return masks;
  const double threshold = percentile(std::move(all), q);
  for (size_t i = 0; i < forget_grads.size(); ++i) {
    if (!forget_grads[i].defined()) continue;
    const torch::Tensor& g = forget_grads[i];
    std::vector<int64_t> shape(static_cast<size_t>(std::max<int64_t>(1, g.dim())), 1);
    shape[0] = norms[i].size(0);
    masks[i] = norms[i].ge(threshold).to(g.scalar_type()).reshape(shape).to(g.device());  // [rows, 1, ...]
  }
  return masks;
}

}  // namespace llmedit::unlearn
