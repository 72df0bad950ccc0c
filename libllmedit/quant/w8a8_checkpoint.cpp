#include "libllmedit/quant/w8a8_checkpoint.h"

#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <set>

#include "libllmedit/core/error.h"
#include "libllmedit/io/checkpoint.h"
#include "libllmedit/io/safetensors.h"

namespace llmedit {

nlohmann::json w8a8_quantization_config(const W8A8Plan& plan, const nlohmann::json& calibration) {
  return {{"quant_method", kW8A8QuantMethod},
          {"bits", 8},
          {"activation_scheme", "static"},  // transformers' FP8/compressed-tensors wording
          {"activation_scale", "tensor"},
          {"weight_scale", weight_scale_granularity_name(plan.options.weight_scale)},
          {"clip_percentile", plan.options.clip_percentile},
          {"shadow_fraction", plan.options.shadow_fraction},
          {"shadow_modules", plan.shadow_modules()},
          {"scales_file", kW8A8ScalesFile},
          {"calibration", calibration}};
}

void save_w8a8_folder(const CausalLM& model, const W8A8Plan& plan, const std::string& folder,
                      const nlohmann::json& calibration) {
  NamedTensors scales;
  for (const auto& s : plan.linears) {
    scales.emplace_back(s.name + ".input_scale", torch::tensor({s.input_scale}, torch::kFloat32));
    scales.emplace_back(s.name + ".input_absmax", torch::tensor({s.input_absmax}, torch::kFloat32));
    scales.emplace_back(s.name + ".weight_scale", s.weight_scale.to(torch::kCPU, torch::kFloat32).contiguous());
  }
  NamedTensors weights;
  for (const auto& [name, tensor] : model.named_weights())
    weights.emplace_back(name, tensor.detach().to(torch::kCPU, torch::kFloat32));
  nlohmann::json config = model.config();
  config["quantization_config"] = w8a8_quantization_config(plan, calibration);
  std::filesystem::create_directories(folder);
  write_safetensors(folder + "/" + kW8A8ScalesFile, scales, {{"format", "pt"}, {"quant_method", kW8A8QuantMethod}});
  write_hf_folder(folder, config, weights);  // config.json is its last file
}

namespace {

double scalar(const SafetensorsReader& reader, const std::string& key) {
  if (!reader.contains(key)) throw data_error(reader.path() + ": missing tensor '" + key + "'");
  const torch::Tensor t = reader.load(key).to(torch::kFloat64);
  if (t.numel() != 1) throw data_error(reader.path() + ": '" + key + "' must hold 1 value; has " + std::to_string(t.numel()));
  const double v = t.item<double>();
  if (!std::isfinite(v) || v < 0) throw data_error(reader.path() + ": '" + key + "' is " + std::to_string(v) + "; want a finite value >= 0");
  return v;
}

}  // namespace

W8A8Plan read_w8a8_plan(const std::string& folder, const nlohmann::json& config, CausalLM& model) {
  const std::string source = folder + "/config.json";
  const nlohmann::json& q = config.at("quantization_config");
  auto field = [&](const char* name) -> const nlohmann::json& {
    if (!q.is_object() || !q.contains(name))
      throw data_error(source + ": quantization_config." + name + " is missing");
    return q.at(name);
  };
  const nlohmann::json& method = field("quant_method");
  if (method != kW8A8QuantMethod)
    throw data_error(source + ": quantization_config.quant_method is " + method.dump() + "; llmedit runs only \"" +
                     kW8A8QuantMethod + "\"");
  W8A8Plan plan;
  const nlohmann::json& granularity = field("weight_scale");
  if (!granularity.is_string() || (granularity != "tensor" && granularity != "channel"))
    throw data_error(source + ": quantization_config.weight_scale is " + granularity.dump() + "; want \"tensor\" or \"channel\"");
  plan.options.weight_scale = parse_weight_scale_granularity(granularity.get<std::string>(), "weight_scale");
  for (const char* key : {"clip_percentile", "shadow_fraction"})
    if (q.contains(key) && !q.at(key).is_number())
      throw data_error(source + ": quantization_config." + key + " is " + q.at(key).dump() + "; want a number");
  plan.options.clip_percentile = q.value("clip_percentile", 100.0);
  plan.options.shadow_fraction = q.value("shadow_fraction", 0.0);
  const nlohmann::json& shadow_json = field("shadow_modules");
  std::set<std::string> shadow;
  if (!shadow_json.is_array()) throw data_error(source + ": quantization_config.shadow_modules is not a list");
  for (const auto& name : shadow_json) {
    if (!name.is_string()) throw data_error(source + ": quantization_config.shadow_modules has " + name.dump() + "; want module names");
    shadow.insert(name.get<std::string>());
  }
  const std::string scales_path = folder + "/" + kW8A8ScalesFile;
  if (!std::filesystem::is_regular_file(scales_path))
    throw data_error(source + ": quantization_config names scales file '" + scales_path + "', which does not exist");
  const SafetensorsReader reader(scales_path);
  std::set<std::string> known;
  for (const auto& [name, linear] : model.linear_modules()) {
    known.insert(name);
    W8A8LinearScales s;
    s.name = name;
    s.input_scale = scalar(reader, name + ".input_scale");
    if (s.input_scale <= 0) throw data_error(scales_path + ": '" + name + ".input_scale' is 0; want a positive scale");
    s.input_absmax = scalar(reader, name + ".input_absmax");
    const std::string key = name + ".weight_scale";
    if (!reader.contains(key)) throw data_error(scales_path + ": missing tensor '" + key + "'");
    s.weight_scale = reader.load(key).to(torch::kFloat32).reshape({-1});
    s.shadow = shadow.count(name) > 0;
    plan.linears.push_back(std::move(s));
  }
  for (const auto& name : shadow)
    if (!known.count(name))
      throw data_error(source + ": quantization_config.shadow_modules names '" + name + "', which is not a linear of the model");
  return plan;
}

}  // namespace llmedit
