#include "libllmedit/train/adamw.h"

#include <torch/torch.h>

#include <cmath>

#include "libllmedit/core/error.h"

namespace llmedit {

AdamW::AdamW(NamedTensors parameters, AdamWOptions options) : parameters_(std::move(parameters)), options_(options) {
  for (const auto& [name, p] : parameters_) {
    exp_avg_.push_back(torch::zeros_like(p, torch::kFloat32));
    exp_avg_sq_.push_back(torch::zeros_like(p, torch::kFloat32));
  }
}

void AdamW::zero_grad() {
  for (auto& [name, p] : parameters_)
    if (p.grad().defined()) p.mutable_grad() = torch::Tensor();
}

void AdamW::step(double lr) {
  torch::NoGradGuard no_grad;
  ++steps_;
  const double bias1 = 1.0 - std::pow(options_.beta1, static_cast<double>(steps_));
  const double bias2 = 1.0 - std::pow(options_.beta2, static_cast<double>(steps_));
  for (size_t i = 0; i < parameters_.size(); ++i) {
    torch::Tensor& p = parameters_[i].second;
    if (!p.grad().defined()) continue;
    const torch::Tensor g = p.grad().to(torch::kFloat32);
    exp_avg_[i].mul_(options_.beta1).add_(g, 1.0 - options_.beta1);
    exp_avg_sq_[i].mul_(options_.beta2).addcmul_(g, g, 1.0 - options_.beta2);
    // Moments stay float32 even for bf16 weights; the update is applied in the weight's dtype.
    torch::Tensor denom = (exp_avg_sq_[i].sqrt() / std::sqrt(bias2)).add_(options_.eps);
    torch::Tensor update = exp_avg_[i] / denom * (lr / bias1);
    if (p.dim() >= 2 && options_.weight_decay != 0) p.mul_(1.0 - lr * options_.weight_decay);
    p.sub_(update.to(p.scalar_type()));
  }
}

NamedTensors AdamW::state() const {
  NamedTensors out;
  for (size_t i = 0; i < parameters_.size(); ++i) {
    out.emplace_back("exp_avg." + parameters_[i].first, exp_avg_[i]);
    out.emplace_back("exp_avg_sq." + parameters_[i].first, exp_avg_sq_[i]);
  }
  return out;
}

void AdamW::load_state(const NamedTensors& state, int64_t steps_taken, const std::string& source) {
  auto find = [&](const std::string& name, const torch::Tensor& like) {
    for (const auto& [key, t] : state) {
      if (key != name) continue;
      if (t.sizes() != like.sizes())
        throw data_error(source + ": optimizer tensor '" + name + "' has shape " + c10::str(t.sizes()) +
                         ", expected " + c10::str(like.sizes()));
      return t;
    }
    throw data_error(source + ": optimizer state lacks '" + name + "'");
  };
  steps_ = steps_taken;
  for (size_t i = 0; i < parameters_.size(); ++i) {
    exp_avg_[i].copy_(find("exp_avg." + parameters_[i].first, exp_avg_[i]));
    exp_avg_sq_[i].copy_(find("exp_avg_sq." + parameters_[i].first, exp_avg_sq_[i]));
  }
}

}  // namespace llmedit
