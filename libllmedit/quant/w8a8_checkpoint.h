// A W8A8 model folder: the Hugging Face folder of the model (its weights already on the int8 grid,
// stored in float32 so transformers-style tools still read them), plus
//   quantization.safetensors   per linear: "<module>.input_scale" [1], "<module>.input_absmax" [1],
//                              "<module>.weight_scale" [1] or [out]  (float32)
//   config.json                "quantization_config": {"quant_method": "llmedit_w8a8", ...}, in the
//                              place and shape transformers keeps quantization settings; it names
//                              the shadow modules and how the scales were calibrated.
// load_causal_lm (model/loader.h) sees quantization_config and runs the model W8A8.
#pragma once
#include <nlohmann/json.hpp>

#include <string>

#include "libllmedit/model/causal_lm.h"
#include "libllmedit/quant/w8a8_linear.h"

namespace llmedit {

inline constexpr const char* kW8A8QuantMethod = "llmedit_w8a8";
inline constexpr const char* kW8A8ScalesFile = "quantization.safetensors";

// The quantization_config object for config.json; `calibration` is recorded as given.
nlohmann::json w8a8_quantization_config(const W8A8Plan& plan, const nlohmann::json& calibration);

// Writes the scales, then the weights and generation_config.json, then config.json (with
// quantization_config) last, each file atomically: the folder names a scales file only once it
// is complete. Weights are written in float32.
void save_w8a8_folder(const CausalLM& model, const W8A8Plan& plan, const std::string& folder,
                      const nlohmann::json& calibration);

// The plan of a W8A8 folder whose config.json is `config`. Throws a data error naming
// config.json's field and value, or the scales file and its key, on any problem.
W8A8Plan read_w8a8_plan(const std::string& folder, const nlohmann::json& config, CausalLM& model);

}  // namespace llmedit
