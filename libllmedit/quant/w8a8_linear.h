// W8A8 linear maps with shadow outliers (DESIGN.md §7).
//
// Activations: int8 with one static per-tensor scale per linear, s_x = c / 127, from a clip
// threshold c calibrated offline (SmoothQuant, Xiao et al. 2023, per-tensor static W8A8).
// Weights: symmetric int8, s_w = max|W| / 127 per tensor (default) or per output channel
// (LLM.int8, Dettmers et al. 2022, "vector-wise" absmax).
// Product: y = s_x · s_w · (q_x · q_Wᵀ) + b with q_x = clamp(round(clamp(x, −c, c) / s_x), ±127)
// and q_W = round(W / s_w).
// Shadow outliers (Xu et al. 2024, "Fast On-device LLM Inference with NPUs" (mllm-NPU), §3.3):
// what the clip cut off, r = x − clamp(x, −c, c), is nonzero on a few channels only; it is
// multiplied in floating point on those channels and added back, y += r[:, S] · W[:, S]ᵀ.
// Shadow execution costs time, so it is kept only on the most important layers, importance =
// max|x| / s_x over calibration (how many int8 steps the largest outlier spans); the others clip.
//
// The int8 product: this LibTorch (1.13 CPU) has no int8 GEMM for plain tensors (no
// torch::_int_mm; the quantized engines need packed parameters and dynamic scales). On CPUs with
// AVX-512 VNNI our own kernel computes it (quant/int8_gemm.h). Elsewhere (other CPUs, GPUs) the
// int8 values are held in float32 and multiplied by the float GEMM in blocks of at most 1024 input
// channels: every product (|q| ≤ 127) and every partial sum (≤ 1024 · 127² < 2²⁴) is an integer
// float32 represents exactly, so each block is the exact int32 accumulation; blocks are summed in
// float64 (exact too). Both paths return the same int32 sums, hence the same outputs.
#pragma once
#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "libllmedit/model/causal_lm.h"
#include "libllmedit/quant/activation_calibration.h"
#include "libllmedit/quant/int8_gemm.h"

namespace llmedit {

enum class WeightScaleGranularity { PerTensor, PerChannel };

// "tensor" | "channel"; a usage error naming `field` otherwise.
WeightScaleGranularity parse_weight_scale_granularity(const std::string& name, const std::string& field);
const char* weight_scale_granularity_name(WeightScaleGranularity granularity);

struct W8A8Options {
  WeightScaleGranularity weight_scale = WeightScaleGranularity::PerTensor;
  double clip_percentile = 99.9;  // of |x| per calibration sequence; 100: absmax (nothing to shadow)
  double shadow_fraction = 0.15;  // of the linears, by importance, that keep shadow execution
};

// The scales of one linear, everything its kernel needs besides the weight.
struct W8A8LinearScales {
  std::string name;            // Hugging Face module name
  double input_scale = 1.0;    // s_x = clip / 127
  double input_absmax = 0.0;   // calibration max |x| (for the importance)
  torch::Tensor weight_scale;  // float32 [1] or [out]
  bool shadow = false;
  double importance() const { return input_absmax / input_scale; }  // mllm-NPU's max|x| / scale
};

struct W8A8Plan {
  W8A8Options options;
  std::vector<W8A8LinearScales> linears;  // linear_modules() order
  std::vector<std::string> shadow_modules() const;
};

// Symmetric int8 weight scale of a [out, in] matrix: [1] or [out], float32, never 0.
torch::Tensor int8_weight_scale(const torch::Tensor& weight, WeightScaleGranularity granularity);

// Marks the ceil(fraction · N) linears of highest importance for shadow execution (ties keep
// model order; linears whose calibration never exceeded the clip have nothing to shadow and are
// never marked). Throws a usage error for a fraction outside [0, 1].
void select_shadow_layers(std::vector<W8A8LinearScales>& linears, double fraction);

// Scales from calibration stats and the model's current weights (stats in linear_modules() order).
W8A8Plan plan_w8a8(CausalLM& model, const std::vector<LinearInputStats>& stats, const W8A8Options& options);

// How the int8 product is computed: Auto takes the VNNI kernel for CPU weights when the CPU has
// it, else the exact float path; the others force one (Vnni throws where it is unavailable).
enum class Int8Backend { Auto, ExactFloat, Vnni };

// The kernel of one linear: q_W is built from the linear's weight when constructed, on its device.
class W8A8Linear : public LinearKernel {
 public:
  W8A8Linear(const LinearWeights& linear, W8A8LinearScales scales, Int8Backend backend = Int8Backend::Auto);
  torch::Tensor forward(const torch::Tensor& x, const LinearWeights& linear) const override;
  const W8A8LinearScales& scales() const { return scales_; }
  double clip() const { return 127.0 * scales_.input_scale; }
  bool uses_vnni() const { return packed_.defined(); }

 private:
  W8A8LinearScales scales_;
  torch::Device device_ = torch::kCPU;
  PackedInt8Weight packed_;   // VNNI path: int8 [out, in] padded
  torch::Tensor q_weight_t_;  // float path: [in, out] float32 holding int8 values
  torch::Tensor out_scale_;   // s_x · s_w: [1] or [out], float32
};

// Rounds every planned linear's weight to its int8 grid in place (W ← round(W / s_w) · s_w, so
// the stored weight is exactly what the int8 kernel multiplies and the shadow path uses it too)
// and installs a W8A8Linear on each. Throws a data error when a planned name is not a linear of
// the model or the model has linears the plan lacks.
void apply_w8a8(CausalLM& model, const W8A8Plan& plan);

// Calibrates on `samples`, plans, and applies: the model runs W8A8 afterwards.
W8A8Plan quantize_w8a8(CausalLM& model, const std::vector<std::vector<int64_t>>& samples, const W8A8Options& options);

// Takes the kernels off again (weights stay on the int8 grid).
void remove_linear_kernels(CausalLM& model);

}  // namespace llmedit
