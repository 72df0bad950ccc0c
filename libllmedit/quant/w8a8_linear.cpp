#include "libllmedit/quant/w8a8_linear.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "libllmedit/core/error.h"

namespace llmedit {

namespace {

// Input channels per float32 GEMM block: 1024 · 127 · 127 = 16,516,096 < 2^24, so every partial
// sum of int8 products is an integer float32 holds exactly.
constexpr int64_t kExactBlock = 1024;
constexpr double kMinScale = 1e-12;  // an all-zero input or weight: any scale represents it

// The weight seen as [out, in] whatever its storage (GPT-2's Conv1D keeps [in, out]); a view.
torch::Tensor out_in_view(const LinearWeights& linear) {
  return linear.in_out_layout ? linear.weight.t() : linear.weight;
}

}  // namespace

WeightScaleGranularity parse_weight_scale_granularity(const std::string& name, const std::string& field) {
  if (name == "tensor") return WeightScaleGranularity::PerTensor;
  if (name == "channel") return WeightScaleGranularity::PerChannel;
  throw usage_error(field + ": unknown weight scale \"" + name + "\" (use tensor or channel)");
}

const char* weight_scale_granularity_name(WeightScaleGranularity granularity) {
  return granularity == WeightScaleGranularity::PerTensor ? "tensor" : "channel";
}

std::vector<std::string> W8A8Plan::shadow_modules() const {
  std::vector<std::string> names;
  for (const auto& l : linears)
    if (l.shadow) names.push_back(l.name);
  return names;
}

torch::Tensor int8_weight_scale(const torch::Tensor& weight, WeightScaleGranularity granularity) {
  const torch::Tensor w = weight.detach().to(torch::kFloat32).abs();  // [out, in]
  const torch::Tensor absmax = granularity == WeightScaleGranularity::PerTensor ? w.max().reshape({1}) : w.amax(1);
  return (absmax / 127.0).clamp_min(kMinScale).contiguous();  // [1] or [out]
}

void select_shadow_layers(std::vector<W8A8LinearScales>& linears, double fraction) {
  if (!(fraction >= 0.0 && fraction <= 1.0))
    throw usage_error("shadow fraction must be in [0, 1]; got " + std::to_string(fraction));
  for (auto& l : linears) l.shadow = false;
  // ceil, so that any positive fraction keeps at least one layer; the epsilon keeps 0.15 · 20 at 3.
  const auto keep = static_cast<size_t>(std::ceil(fraction * static_cast<double>(linears.size()) - 1e-9));
  std::vector<size_t> order(linears.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return linears[a].importance() > linears[b].importance(); });
  for (size_t rank = 0; rank < std::min(keep, order.size()); ++rank) {
    W8A8LinearScales& l = linears[order[rank]];
    // Nothing beyond the clip during calibration (importance 127): no outlier to shadow.
    l.shadow = l.input_absmax > 127.0 * l.input_scale * (1.0 + 1e-6);
  }
}

W8A8Plan plan_w8a8(CausalLM& model, const std::vector<LinearInputStats>& stats, const W8A8Options& options) {
  auto linears = model.linear_modules();
  if (stats.size() != linears.size())
    throw Error(ErrorKind::Internal, "plan_w8a8: " + std::to_string(stats.size()) + " calibration stats for " +
                                         std::to_string(linears.size()) + " linears");
  W8A8Plan plan;
  plan.options = options;
  for (size_t i = 0; i < linears.size(); ++i) {
    if (stats[i].name != linears[i].first)
      throw Error(ErrorKind::Internal, "plan_w8a8: stats for " + stats[i].name + " where " + linears[i].first + " is");
    W8A8LinearScales s;
    s.name = linears[i].first;
    s.input_absmax = stats[i].absmax;
    s.input_scale = std::max(stats[i].clip, kMinScale) / 127.0;
    s.weight_scale = int8_weight_scale(out_in_view(*linears[i].second), options.weight_scale).to(torch::kCPU);
    plan.linears.push_back(std::move(s));
  }
  select_shadow_layers(plan.linears, options.shadow_fraction);
  return plan;
}

W8A8Linear::W8A8Linear(const LinearWeights& linear, W8A8LinearScales scales, Int8Backend backend)
    : scales_(std::move(scales)), device_(linear.weight.device()) {
  torch::NoGradGuard no_grad;
  const torch::Tensor w = out_in_view(linear).to(torch::kFloat32);  // [out, in]
  const int64_t out = w.size(0);
  if (scales_.weight_scale.numel() != 1 && scales_.weight_scale.numel() != out)
    throw data_error(scales_.name + ".weight_scale: has " + std::to_string(scales_.weight_scale.numel()) +
                     " values but the weight has " + std::to_string(out) + " output channels (want 1 or " +
                     std::to_string(out) + ")");
  if (!(scales_.input_scale > 0.0) || !std::isfinite(scales_.input_scale))
    throw data_error(scales_.name + ".input_scale: must be a positive number; got " + std::to_string(scales_.input_scale));
  const torch::Tensor s_w = scales_.weight_scale.to(w.device(), torch::kFloat32).reshape({-1});  // [1] or [out]
  if (!(s_w > 0).all().item<bool>() || !torch::isfinite(s_w).all().item<bool>())
    throw data_error(scales_.name + ".weight_scale: every value must be positive and finite");
  const torch::Tensor q_w = torch::round(w / s_w.unsqueeze(1)).clamp(-127, 127);  // [out, in]
  const bool vnni = device_.is_cpu() && int8_gemm_available();
  if (backend == Int8Backend::Vnni && !vnni)
    throw Error(ErrorKind::Internal, scales_.name + ": the VNNI int8 kernel needs a CPU weight and AVX-512 VNNI");
  if (backend == Int8Backend::Vnni || (backend == Int8Backend::Auto && vnni)) {
    packed_ = pack_int8_weight(q_w);
  } else {
    q_weight_t_ = q_w.t().contiguous();  // [in, out]
  }
  out_scale_ = s_w * scales_.input_scale;  // [1] or [out]
}

torch::Tensor W8A8Linear::forward(const torch::Tensor& x, const LinearWeights& linear) const {
  const int64_t in = packed_.defined() ? packed_.in : q_weight_t_.size(0);
  const int64_t out = packed_.defined() ? packed_.out : q_weight_t_.size(1);
  if (x.device() != device_)
    throw Error(ErrorKind::Internal, scales_.name + ": W8A8 kernel is on " + device_.str() +
                                         " but its input on " + x.device().str() + " (apply_w8a8 after moving the model)");
  std::vector<int64_t> out_shape = x.sizes().vec();
  out_shape.back() = out;
  const torch::Tensor xf = x.to(torch::kFloat32).reshape({-1, in});  // [N, in]
  const double c = clip();
  const torch::Tensor clipped = xf.clamp(-c, c);
  const torch::Tensor q_x = torch::round(clipped / scales_.input_scale).clamp_(-127, 127);  // [N, in], int8 values
  torch::Tensor acc;  // [N, out]: the int32 accumulation, exactly
  if (packed_.defined()) {
    acc = int8_gemm(q_x, packed_).to(torch::kFloat32);
  } else if (in <= kExactBlock) {
    acc = q_x.mm(q_weight_t_);
  } else {
    torch::Tensor acc64 = torch::zeros({q_x.size(0), out}, xf.options().dtype(torch::kFloat64));
    for (int64_t begin = 0; begin < in; begin += kExactBlock) {
      const int64_t len = std::min(kExactBlock, in - begin);
      acc64.add_(q_x.narrow(1, begin, len).mm(q_weight_t_.narrow(0, begin, len)).to(torch::kFloat64));
    }
    acc = acc64.to(torch::kFloat32);
  }
  torch::Tensor y = acc.mul_(out_scale_);  // [N, out]
  if (linear.bias.defined()) y.add_(linear.bias.to(torch::kFloat32));
  if (scales_.shadow) {
    const torch::Tensor residual = xf - clipped;                                      // [N, in], zero off the outliers
    const torch::Tensor channels = residual.ne(0).any(0).nonzero().reshape({-1});     // [k]
    if (channels.numel() > 0) {
      // The float weight of just those channels, as [k, out].
      const torch::Tensor w_k = linear.in_out_layout ? linear.weight.index_select(0, channels)
                                                     : linear.weight.index_select(1, channels).t();
      y.addmm_(residual.index_select(1, channels), w_k.to(torch::kFloat32));
    }
  }
  return y.reshape(out_shape).to(x.scalar_type());
}

void apply_w8a8(CausalLM& model, const W8A8Plan& plan) {
  torch::NoGradGuard no_grad;
  std::map<std::string, const W8A8LinearScales*> by_name;
  for (const auto& s : plan.linears) by_name[s.name] = &s;
  auto linears = model.linear_modules();
  for (const auto& [name, linear] : linears)
    if (!by_name.count(name)) throw data_error("W8A8 scales: no scales for linear '" + name + "'");
  if (by_name.size() != linears.size()) {
    for (const auto& s : plan.linears) {
      const bool known = std::any_of(linears.begin(), linears.end(), [&](const auto& l) { return l.first == s.name; });
      if (!known) throw data_error("W8A8 scales: '" + s.name + "' is not a linear of the model");
    }
  }
  for (const auto& [name, linear] : linears) {
    const W8A8LinearScales& s = *by_name.at(name);
    // Onto the int8 grid in place: the weight is then exactly q_W · s_w in float32 (and the same
    // q_W again after a bfloat16 round trip: |q| ≤ 127 needs 7 of its 8 significand bits).
    const torch::Tensor w = out_in_view(*linear);  // [out, in] view of the model's tensor
    const torch::Tensor s_w = s.weight_scale.to(w.device(), torch::kFloat32).reshape({-1, 1});  // [1|out, 1]
    w.copy_((torch::round(w.to(torch::kFloat32) / s_w).clamp(-127, 127) * s_w).to(w.scalar_type()));
    linear->kernel = std::make_shared<W8A8Linear>(*linear, s);
  }
}

W8A8Plan quantize_w8a8(CausalLM& model, const std::vector<std::vector<int64_t>>& samples, const W8A8Options& options) {
  ActivationCalibrationOptions calibration;
  calibration.clip_percentile = options.clip_percentile;
  W8A8Plan plan = plan_w8a8(model, calibrate_linear_inputs(model, samples, calibration), options);
  apply_w8a8(model, plan);
  return plan;
}

void remove_linear_kernels(CausalLM& model) {
  for (auto& entry : model.linear_modules()) entry.second->kernel.reset();
}

}  // namespace llmedit
