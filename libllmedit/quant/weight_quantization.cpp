#include "libllmedit/quant/weight_quantization.h"

#include <torch/torch.h>

#include <cmath>

#include "libllmedit/core/error.h"

namespace llmedit {

namespace {

void check_matrix(const torch::Tensor& weight, const char* what) {
  if (weight.dim() != 2 || !weight.is_floating_point())
    throw Error(ErrorKind::Internal, std::string(what) + ": expected a 2-D float weight");
}

// One group of columns [out, g] in float32: 16 levels between the group's min and max per row.
torch::Tensor int4_group(const torch::Tensor& w) {
  const torch::Tensor low = std::get<0>(w.min(1, true)).clamp_max(0.0);   // [out, 1]; 0 stays representable
  const torch::Tensor high = std::get<0>(w.max(1, true)).clamp_min(0.0);  // [out, 1]
  const torch::Tensor scale = ((high - low) / 15.0).clamp_min(1e-12);     // all-zero rows: any scale works
  const torch::Tensor zero = torch::round(-low / scale);
  const torch::Tensor q = torch::clamp(torch::round(w / scale) + zero, 0, 15);
  return (q - zero) * scale;
}

}  // namespace

WeightFormat parse_weight_format(const std::string& name, const std::string& field) {
  if (name == "bf16") return WeightFormat::Bf16;
  if (name == "int8") return WeightFormat::Int8PerChannel;
  if (name == "int4") return WeightFormat::Int4Group;
  throw config_error(field + ": unknown weight format \"" + name + "\" (known: bf16, int8, int4)");
}

const char* weight_format_name(WeightFormat format) {
  switch (format) {
    case WeightFormat::Bf16: return "bf16";
    case WeightFormat::Int8PerChannel: return "int8";
    case WeightFormat::Int4Group: return "int4";
  }
  return "?";
}

const std::vector<std::string>& weight_format_names() {
  static const std::vector<std::string> names = {"bf16", "int8", "int4"};
  return names;
}

torch::Tensor fake_quantize_bf16(const torch::Tensor& weight) {
  return weight.to(torch::kBFloat16).to(weight.scalar_type());
}

torch::Tensor fake_quantize_int8_per_channel(const torch::Tensor& weight) {
  check_matrix(weight, "fake_quantize_int8_per_channel");
  const torch::Tensor w = weight.to(torch::kFloat32);                               // [out, in]
  const torch::Tensor scale = (w.abs().amax(1, true) / 127.0).clamp_min(1e-12);     // [out, 1]
  const torch::Tensor q = torch::clamp(torch::round(w / scale), -127, 127);
  return (q * scale).to(weight.scalar_type());
}

torch::Tensor fake_quantize_int4_groupwise(const torch::Tensor& weight, int64_t group_size) {
  check_matrix(weight, "fake_quantize_int4_groupwise");
  const torch::Tensor w = weight.to(torch::kFloat32);  // [out, in]
  const int64_t in = w.size(1);
  const int64_t g = group_size <= 0 || group_size >= in ? in : group_size;
  std::vector<torch::Tensor> groups;
  for (int64_t begin = 0; begin < in; begin += g) groups.push_back(int4_group(w.narrow(1, begin, std::min(g, in - begin))));
  return torch::cat(groups, 1).to(weight.scalar_type());
}

QuantizationStats quantize_linear_weights(CausalLM& model, const WeightQuantizationOptions& options) {
  torch::NoGradGuard no_grad;
  QuantizationStats stats;
  double error2 = 0.0, norm2 = 0.0;
  for (auto& entry : model.linear_modules()) {
    LinearWeights* linear = entry.second;
    if (!linear->weight.defined()) continue;
    // Channels are output rows: Conv1D [in, out] is seen through its transpose.
    const torch::Tensor w = linear->in_out_layout ? linear->weight.t() : linear->weight;  // [out, in]
    torch::Tensor q;
    switch (options.format) {
      case WeightFormat::Bf16: q = fake_quantize_bf16(w); break;
      case WeightFormat::Int8PerChannel: q = fake_quantize_int8_per_channel(w); break;
      case WeightFormat::Int4Group: q = fake_quantize_int4_groupwise(w, options.group_size); break;
    }
    error2 += (q.to(torch::kFloat64) - w.to(torch::kFloat64)).pow(2).sum().item<double>();
    norm2 += w.to(torch::kFloat64).pow(2).sum().item<double>();
    w.copy_(q);  // through the view: the model's own tensor changes
    ++stats.matrices;
    stats.parameters += w.numel();
  }
  stats.relative_error = norm2 > 0 ? std::sqrt(error2 / norm2) : 0.0;
  return stats;
}

}  // namespace llmedit
