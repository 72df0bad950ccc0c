// Static activation calibration: the input of every linear map of the blocks is observed over a
// few calibration sequences, and each linear gets the two numbers a static per-tensor int8 scale
// is chosen from (SmoothQuant, Xiao et al. 2023, §3 "static quantization": scales fixed offline
// from calibration samples, so no reduction runs at inference time).
#pragma once
#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "libllmedit/model/causal_lm.h"

namespace llmedit {

struct ActivationCalibrationOptions {
  // The clip threshold is this percentile of |x| over each sequence's input elements (then the
  // largest over sequences); 100 gives the plain absmax scale.
  double clip_percentile = 99.9;
};

// What calibration saw at one linear's input.
struct LinearInputStats {
  std::string name;        // Hugging Face module name ("model.layers.0.self_attn.q_proj")
  double absmax = 0.0;     // max |x| over every calibration element
  double clip = 0.0;       // max over sequences of the clip_percentile-th percentile of |x|
  int64_t elements = 0;    // inputs seen (tokens x in_features)
};

// Runs each sequence of `samples` (token ids, one forward each, so no padding enters the
// statistics) through `model` in float as it is, with an observer in place of every linear's
// kernel, and returns the stats in linear_modules() order. Existing kernels are restored after.
// Throws a usage error for no samples, an empty sample or a percentile outside (0, 100].
std::vector<LinearInputStats> calibrate_linear_inputs(CausalLM& model, const std::vector<std::vector<int64_t>>& samples,
                                                      const ActivationCalibrationOptions& options = {});

}  // namespace llmedit
