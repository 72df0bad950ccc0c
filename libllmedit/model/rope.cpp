#include "libllmedit/model/rope.h"

#include <torch/torch.h>

#include <cmath>

namespace llmedit {

namespace {

// Llama 3.1 frequency scaling: long wavelengths are divided by `factor`, short ones kept, and the
// band between is interpolated. Formula from Meta's Llama 3.1 reference (apply_scaling), as in
// transformers' _compute_llama3_parameters.
torch::Tensor llama3_scaling(const torch::Tensor& inv_freq, const RopeScaling& s) {
  const double old_context = static_cast<double>(s.original_max_position_embeddings);
  const double low_freq_wavelen = old_context / s.low_freq_factor;
  const double high_freq_wavelen = old_context / s.high_freq_factor;
  torch::Tensor wavelen = 2 * M_PI / inv_freq;
  torch::Tensor scaled = torch::where(wavelen > low_freq_wavelen, inv_freq / s.factor, inv_freq);
  torch::Tensor smooth = (old_context / wavelen - s.low_freq_factor) / (s.high_freq_factor - s.low_freq_factor);
  torch::Tensor smoothed = (1 - smooth) * scaled / s.factor + smooth * scaled;
  torch::Tensor is_medium = (wavelen >= high_freq_wavelen).logical_and(wavelen <= low_freq_wavelen);
  return torch::where(is_medium, smoothed, scaled);
}

torch::Tensor rotate_half(const torch::Tensor& x) {
  const int64_t half = x.size(-1) / 2;
  return torch::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
}

// (x0, x1, x2, x3, ...) -> (-x1, x0, -x3, x2, ...)
torch::Tensor rotate_every_two(const torch::Tensor& x) {
  using torch::indexing::Slice;
  torch::Tensor even = x.index({"...", Slice(0, torch::indexing::None, 2)});
  torch::Tensor odd = x.index({"...", Slice(1, torch::indexing::None, 2)});
  return torch::stack({-odd, even}, -1).flatten(-2);
}

}  // namespace

torch::Tensor rope_inverse_frequencies(const ArchSpec& spec) {
  // 1 / theta^(2i / d), computed in float32 as transformers does.
  const int64_t dim = spec.rotary_dim;
  torch::Tensor exponent = torch::arange(0, dim, 2, torch::kLong).to(torch::kFloat) / static_cast<double>(dim);
  torch::Tensor inv_freq = 1.0 / torch::pow(spec.rope_theta, exponent);
  if (spec.rope_scaling.type == "linear") inv_freq = inv_freq / spec.rope_scaling.factor;
  if (spec.rope_scaling.type == "llama3") inv_freq = llama3_scaling(inv_freq, spec.rope_scaling);
  return inv_freq;
}

std::pair<torch::Tensor, torch::Tensor> rope_cos_sin(const ArchSpec& spec, const torch::Tensor& inv_freq,
                                                     const torch::Tensor& positions, torch::Dtype dtype) {
  // [B, T, 1] * [rotary_dim / 2] -> [B, T, rotary_dim / 2]
  torch::Tensor freqs = positions.to(torch::kFloat).unsqueeze(-1) * inv_freq.to(positions.device());
  torch::Tensor angles = spec.positions == PositionKind::RopeInterleaved ? freqs.repeat_interleave(2, -1)
                                                                          : torch::cat({freqs, freqs}, -1);
  return {angles.cos().to(dtype), angles.sin().to(dtype)};
}

torch::Tensor apply_rope(const ArchSpec& spec, const torch::Tensor& x, const torch::Tensor& cos,
                         const torch::Tensor& sin) {
  // cos/sin [B, T, R] broadcast over heads: [B, T, 1, R]
  torch::Tensor c = cos.unsqueeze(2), s = sin.unsqueeze(2);
  const int64_t rot = spec.rotary_dim;
  torch::Tensor x_rot = rot == x.size(-1) ? x : x.narrow(-1, 0, rot);
  torch::Tensor rotated = spec.positions == PositionKind::RopeInterleaved ? rotate_every_two(x_rot) : rotate_half(x_rot);
  torch::Tensor out = x_rot * c + rotated * s;
  if (rot == x.size(-1)) return out;
  return torch::cat({out, x.narrow(-1, rot, x.size(-1) - rot)}, -1);
}

}  // namespace llmedit
