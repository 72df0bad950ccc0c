// Weight-only quantization simulated in floating point ("fake quantization"): each weight is
// rounded to the grid a quantized format can hold and written back dequantized, so the model runs
// unchanged but computes with exactly the values a quantized deployment would. The audit uses it
// to ask whether unlearning survives quantization (Zhang et al. 2024, "Does your LLM truly
// unlearn? An embarrassingly simple approach to recover unlearned knowledge": 4-bit models often
// answer forgotten questions again, because the unlearning update is smaller than a quantization step).
#pragma once
#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "libllmedit/model/causal_lm.h"

namespace llmedit {

enum class WeightFormat {
  Bf16,             // round to bfloat16 (round-to-nearest-even) and back
  Int8PerChannel,   // symmetric absmax per output channel, levels -127..127 (LLM.int8 / SmoothQuant W8)
  Int4Group,        // asymmetric min-max per group of input columns, 16 levels (RTN as in GPTQ/AWQ baselines)
};

// "bf16", "int8", "int4"; a config error naming `field` and the value otherwise.
WeightFormat parse_weight_format(const std::string& name, const std::string& field);
const char* weight_format_name(WeightFormat format);
const std::vector<std::string>& weight_format_names();

// Quantize-dequantize of a [out, in] float matrix (any float dtype; the result has its dtype).
// Int8: scale_o = max_i |w_oi| / 127, q = clamp(round(w / scale), -127, 127), w' = q · scale.
torch::Tensor fake_quantize_int8_per_channel(const torch::Tensor& weight);
// Int4: each row is cut into groups of `group_size` consecutive input columns (the last group may
// be shorter; group_size >= in, or <= 0, means one group per row: per-channel). Per group
// scale = (max − min) / 15, zero = round(−min / scale), q = clamp(round(w / scale) + zero, 0, 15),
// w' = (q − zero) · scale: at most 16 distinct values per group.
torch::Tensor fake_quantize_int4_groupwise(const torch::Tensor& weight, int64_t group_size);
torch::Tensor fake_quantize_bf16(const torch::Tensor& weight);

struct WeightQuantizationOptions {
  WeightFormat format = WeightFormat::Int8PerChannel;
  int64_t group_size = 128;  // Int4 only
};

struct QuantizationStats {
  int64_t matrices = 0;          // linear weights quantized
  int64_t parameters = 0;        // their elements
  double relative_error = 0.0;   // ‖W' − W‖ / ‖W‖ over all of them together
};

// Quantize-dequantizes every linear weight of the transformer blocks in place (attention and MLP
// projections; embeddings, norms, biases and lm_head stay as they are, as in GPTQ/AWQ/bitsandbytes).
// GPT-2's Conv1D weights [in, out] are quantized per output channel all the same.
QuantizationStats quantize_linear_weights(CausalLM& model, const WeightQuantizationOptions& options);

}  // namespace llmedit
