#include "libllmedit/model/lora.h"

#include <ATen/CPUGeneratorImpl.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <unordered_set>

#include "libllmedit/core/atomic_file.h"
#include "libllmedit/core/error.h"

namespace llmedit {

namespace {

using json = nlohmann::json;
using NamedLinears = std::vector<std::pair<std::string, LinearWeights*>>;

constexpr const char* kWeightsFile = "adapter_model.safetensors";
constexpr const char* kConfigFile = "adapter_config.json";

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// PEFT's rule for a list of targets: the whole module name or its trailing dotted components.
bool matches_target(const std::string& module, const std::string& target) {
  return module == target || ends_with(module, "." + target);
}

std::string short_name(const std::string& module) { return module.substr(module.rfind('.') + 1); }

// Unique short names in first-seen order: "q_proj", "k_proj", ...
std::vector<std::string> short_names(const NamedLinears& linears) {
  std::vector<std::string> names;
  std::unordered_set<std::string> seen;
  for (const auto& [name, linear] : linears)
    if (seen.insert(short_name(name)).second) names.push_back(short_name(name));
  return names;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

void validate(const LoraOptions& options) {
  if (options.r <= 0) throw config_error("LoRA r must be positive, got " + std::to_string(options.r));
  if (!(options.dropout >= 0.0 && options.dropout < 1.0))
    throw config_error("LoRA dropout must be in [0, 1), got " + std::to_string(options.dropout));
}

// The linears `targets` choose (all of them when empty); every target must choose at least one.
NamedLinears select_linears(CausalLM& model, const std::vector<std::string>& targets) {
  NamedLinears all = model.linear_modules();
  if (targets.empty()) return all;
  for (const auto& target : targets) {
    bool found = false;
    for (const auto& [name, linear] : all) found = found || matches_target(name, target);
    if (!found)
      throw config_error("LoRA target module '" + target + "' names no linear layer of this model; valid names: " +
                         join(short_names(all)) + " (or a full name such as '" + all.front().first + "')");
  }
  NamedLinears chosen;
  for (const auto& entry : all)
    for (const auto& target : targets)
      if (matches_target(entry.first, target)) {
        chosen.push_back(entry);
        break;
      }
  return chosen;
}

// Submodule names cannot contain dots.
std::string submodule_key(const std::string& module) {
  std::string key = "lora_" + module;
  for (char& c : key)
    if (c == '.') c = '_';
  return key;
}

std::string peft_key(const std::string& module, const char* matrix) {
  return "base_model.model." + module + "." + matrix + ".weight";
}

// PEFT's default init of A, kaiming_uniform with a = sqrt(5): U(-1/sqrt(in), 1/sqrt(in)).
torch::Tensor init_a(int64_t r, int64_t in, at::Generator& generator) {
  const double bound = 1.0 / std::sqrt(static_cast<double>(in));
  return torch::empty({r, in}, torch::kFloat).uniform_(-bound, bound, generator);  // [r, in]
}

// 16 rather than 16.0, as PEFT writes an integer alpha.
json number_json(double value) {
  if (value == std::floor(value) && std::abs(value) < 1e15) return static_cast<int64_t>(value);
  return value;
}

// ---- reading adapter_config.json ----

template <class T>
T field_or(const json& config, const std::string& path, const char* name, T fallback) {
  auto it = config.find(name);
  if (it == config.end() || it->is_null()) return fallback;
  try {
    return it->get<T>();
  } catch (const json::exception&) {
    throw data_error(path + ": field '" + name + "' has the wrong type: " + it->dump());
  }
}

// Features of PEFT's LoraConfig this runtime does not implement must be off.
void reject_unsupported(const json& config, const std::string& path) {
  auto unsupported = [&](const char* name) { return data_error(path + ": field '" + name + "' = " +
                                                               config[name].dump() + " is not supported"); };
  if (field_or<std::string>(config, path, "bias", "none") != "none") throw unsupported("bias");
  for (const char* flag : {"use_dora", "use_rslora"})
    if (field_or<bool>(config, path, flag, false)) throw unsupported(flag);
  for (const char* name : {"rank_pattern", "alpha_pattern", "modules_to_save", "layers_to_transform"})
    if (config.contains(name) && !config[name].is_null() && !config[name].empty()) throw unsupported(name);
}

std::vector<std::string> read_targets(const json& config, const std::string& path) {
  auto it = config.find("target_modules");
  if (it != config.end() && it->is_string() && *it == "all-linear") return {};
  if (it == config.end() || !it->is_array())
    throw data_error(path + ": field 'target_modules' must be a list of module names (or \"all-linear\"), got " +
                     (it == config.end() ? std::string("nothing") : it->dump()));
  return field_or<std::vector<std::string>>(config, path, "target_modules", {});
}

LoraOptions read_peft_config(const std::string& path) {
  json config;
  try {
    config = json::parse(read_text_file(path));
  } catch (const json::exception& e) {
    throw data_error(path + ": not valid JSON (" + e.what() + ")");
  }
  if (!config.is_object()) throw data_error(path + ": expected a JSON object");
  const std::string type = field_or<std::string>(config, path, "peft_type", "");
  if (type != "LORA") throw data_error(path + ": field 'peft_type' is '" + type + "', expected 'LORA'");
  reject_unsupported(config, path);
  LoraOptions options;  // absent fields take PEFT's LoraConfig defaults
  options.r = field_or<int64_t>(config, path, "r", 8);
  options.alpha = field_or<double>(config, path, "lora_alpha", 8.0);
  options.dropout = field_or<double>(config, path, "lora_dropout", 0.0);
  options.target_modules = read_targets(config, path);
  return options;
}

// Copies `key` into `target` after checking it is there with target's shape.
void load_into(const SafetensorsReader& reader, const std::string& key, const torch::Tensor& target) {
  if (!reader.contains(key)) throw data_error(reader.path() + ": missing tensor '" + key + "'");
  const c10::IntArrayRef shape(reader.entry(key).shape);
  if (shape != target.sizes())
    throw data_error(reader.path() + ": tensor '" + key + "' has shape " + c10::str(shape) +
                     " but the model and adapter_config.json's r imply " + c10::str(target.sizes()));
  torch::NoGradGuard no_grad;
  target.copy_(reader.load(key));
}

}  // namespace

// ---- LoraLinear ----

LoraLinear::LoraLinear(torch::Tensor a, torch::Tensor b, double scaling, double dropout)
    : a_(register_parameter("lora_A", std::move(a))),
      b_(register_parameter("lora_B", std::move(b))),
      scaling_(scaling),
      dropout_(dropout) {}

torch::Tensor LoraLinear::add_delta(const torch::Tensor& x, const torch::Tensor& y) const {
  // The adapter computes in its own dtype (float32 unless the model was converted after attach).
  torch::Tensor h = x.to(a_.scalar_type());  // [..., in]
  if (dropout_ > 0.0 && is_training()) h = torch::dropout(h, dropout_, true);
  torch::Tensor delta = torch::linear(torch::linear(h, a_), b_);  // [..., r] -> [..., out]
  return y + (delta * scaling_).to(y.scalar_type());
}

torch::Tensor LoraLinear::delta_weight() const {
  return torch::matmul(b_.to(torch::kFloat), a_.to(torch::kFloat)) * scaling_;  // [out, in]
}

// ---- LoraAdapter ----

LoraAdapter LoraAdapter::attach(CausalLM& model, const LoraOptions& options) {
  validate(options);
  NamedLinears chosen = select_linears(model, options.target_modules);
  for (const auto& [name, linear] : chosen)
    if (linear->lora) throw usage_error("linear '" + name + "' already carries a LoRA adapter");

  LoraOptions resolved = options;
  resolved.target_modules = options.target_modules.empty() ? short_names(chosen) : options.target_modules;
  LoraAdapter adapter(model, resolved);
  auto generator = at::detail::createCPUGenerator(options.seed);
  const double scaling = options.alpha / static_cast<double>(options.r);
  for (const auto& [name, linear] : chosen) {
    const torch::Tensor& w = linear->weight;
    const int64_t in = w.size(linear->in_out_layout ? 0 : 1), out = w.size(linear->in_out_layout ? 1 : 0);
    torch::Tensor a = init_a(options.r, in, generator).to(w.device());                    // [r, in]
    torch::Tensor b = torch::zeros({out, options.r}, torch::dtype(torch::kFloat).device(w.device()));  // [out, r]
    auto lora = std::make_shared<LoraLinear>(a, b, scaling, options.dropout);
    model.register_module(submodule_key(name), lora);
    lora->train(model.is_training());
    linear->lora = lora;
    adapter.entries_.push_back({name, linear, lora});
  }
  return adapter;
}

LoraAdapter LoraAdapter::load_peft(const std::string& folder, CausalLM& model) {
  const std::string config_path = folder + "/" + kConfigFile;
  const LoraOptions options = read_peft_config(config_path);
  SafetensorsReader reader(folder + "/" + kWeightsFile);
  LoraAdapter adapter = [&] {
    try {
      return attach(model, options);
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::Config) throw;
      throw data_error(config_path + ": " + e.what());  // the file's settings do not fit this model
    }
  }();
  try {
    std::unordered_set<std::string> used;
    for (const auto& e : adapter.entries_)
      for (const auto& [matrix, tensor] : {std::pair{"lora_A", e.lora->a()}, std::pair{"lora_B", e.lora->b()}}) {
        load_into(reader, peft_key(e.name, matrix), tensor);
        used.insert(peft_key(e.name, matrix));
      }
    for (const auto& entry : reader.entries())
      if (!used.count(entry.name))
        throw data_error(reader.path() + ": unexpected tensor '" + entry.name +
                         "' (not a LoRA matrix of the modules adapter_config.json targets)");
  } catch (...) {
    adapter.detach();  // leave the model as it was
    throw;
  }
  return adapter;
}

std::vector<std::string> LoraAdapter::module_names() const {
  std::vector<std::string> names;
  for (const auto& e : entries_) names.push_back(e.name);
  return names;
}

std::vector<torch::Tensor> LoraAdapter::parameters() const {
  std::vector<torch::Tensor> params;
  for (const auto& e : entries_) {
    params.push_back(e.lora->a());
    params.push_back(e.lora->b());
  }
  return params;
}

NamedTensors LoraAdapter::peft_tensors() const {
  NamedTensors tensors;
  for (const auto& e : entries_) {
    tensors.emplace_back(peft_key(e.name, "lora_A"), e.lora->a().detach());
    tensors.emplace_back(peft_key(e.name, "lora_B"), e.lora->b().detach());
  }
  return tensors;
}

void LoraAdapter::set_enabled(bool enabled) {
  enabled_ = enabled;
  for (auto& e : entries_) e.lora->set_enabled(enabled);
}

void LoraAdapter::merge() {
  {
    torch::NoGradGuard no_grad;
    for (auto& e : entries_) {
      torch::Tensor& w = e.linear->weight;
      torch::Tensor delta = e.lora->delta_weight();  // [out, in]
      if (e.linear->in_out_layout) delta = delta.t();  // Conv1D stores [in, out]
      w.add_(delta.to(w.scalar_type()));
    }
  }
  detach();
}

void LoraAdapter::detach() {
  for (auto& e : entries_) {
    e.linear->lora.reset();
    model_->unregister_module(submodule_key(e.name));
  }
  entries_.clear();
}

void LoraAdapter::save_peft(const std::string& folder, const std::string& base_model_name_or_path) const {
  if (!attached()) throw usage_error("cannot save the LoRA adapter to '" + folder + "': it was merged or detached");
  std::error_code error;
  std::filesystem::create_directories(folder, error);
  if (error) throw data_error("cannot create folder '" + folder + "': " + error.message());
  const json config = {
      {"peft_type", "LORA"},
      {"task_type", "CAUSAL_LM"},
      {"r", options_.r},
      {"lora_alpha", number_json(options_.alpha)},
      {"lora_dropout", options_.dropout},
      {"target_modules", options_.target_modules},
      {"fan_in_fan_out", model_->spec().conv1d_weights},
      {"bias", "none"},
      {"base_model_name_or_path", base_model_name_or_path},
      {"inference_mode", true},
      {"init_lora_weights", true},
      {"use_rslora", false},
      {"use_dora", false},
      {"modules_to_save", nullptr},
      {"layers_to_transform", nullptr},
      {"rank_pattern", json::object()},
      {"alpha_pattern", json::object()},
  };
  write_safetensors(folder + "/" + kWeightsFile, peft_tensors(), {{"format", "pt"}});
  write_text_atomic(folder + "/" + kConfigFile, config.dump(2) + "\n");
}

}  // namespace llmedit
