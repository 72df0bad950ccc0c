#include "methods/edit/common/edit_options.h"

#include <torch/torch.h>

#include "libllmedit/core/error.h"

namespace llmedit::edit {

nlohmann::json StatsOptions::to_json() const {
  return {{"mom2_adjustment", mom2_adjustment}, {"mom2_dataset", mom2_dataset}, {"mom2_n_samples", mom2_n_samples},
          {"mom2_max_length", mom2_max_length}, {"stats_dir", stats_dir}};
}

KeyStatsSpec StatsOptions::spec(const EditModelInfo& model) const {
  KeyStatsSpec s;
  s.stats_dir = stats_dir;
  s.model_path = model.path;
  s.model_dtype = model.dtype.empty() ? "float32" : model.dtype;
  s.model_hash = model.weights_hash;
  s.corpus = mom2_dataset;
  s.samples = mom2_n_samples;
  s.max_length = mom2_max_length;
  return s;
}

void declare_stats_options(ConfigSchema& s) {
  s.option("method.mom2_adjustment", true,
           "whiten keys with the second moment C of the keys over a corpus (false: C = I, for quick runs)");
  s.option("method.mom2_dataset", nlohmann::json::array(),
           "text corpus files C is computed from (llmedit stats); the reference uses Wikipedia");
  s.option("method.mom2_n_samples", 100000, "corpus documents C is computed from (the reference's 100000)");
  s.option("method.mom2_max_length", 256, "tokens per corpus document at most");
  s.option("method.stats_dir", "stats", "folder of the cached key statistics (llmedit stats --stats-dir)");
}

StatsOptions read_stats_options(const nlohmann::json& c) {
  StatsOptions o;
  o.mom2_adjustment = config_get<bool>(c, "method.mom2_adjustment");
  o.mom2_dataset = config_get<std::vector<std::string>>(c, "method.mom2_dataset");
  o.mom2_n_samples = config_get<int64_t>(c, "method.mom2_n_samples");
  o.mom2_max_length = config_get<int64_t>(c, "method.mom2_max_length");
  o.stats_dir = config_get<std::string>(c, "method.stats_dir");
  require_edit_option(!o.mom2_adjustment || !o.mom2_dataset.empty(), "mom2_dataset",
                      "a list of corpus files when mom2_adjustment is true", c["method"]["mom2_dataset"]);
  require_edit_option(o.mom2_n_samples > 0, "mom2_n_samples", "positive", o.mom2_n_samples);
  require_edit_option(o.mom2_max_length > 1, "mom2_max_length", "at least 2", o.mom2_max_length);
  return o;
}

std::vector<torch::Tensor> SecondMoments::load(const StatsOptions& options, const EditModelInfo& model,
                                               const std::vector<int64_t>& layers, int64_t intermediate_size) {
  const std::string key = model.path + "\n" + model.dtype + "\n" + model.weights_hash;
  if (key != model_) by_layer_.clear();
  model_ = key;
  std::vector<torch::Tensor> out;
  for (int64_t layer : layers) {
    torch::Tensor& C = by_layer_[layer];
    if (!C.defined())
      C = options.mom2_adjustment ? load_key_second_moment(options.spec(model), layer, layers)
                                  : torch::eye(intermediate_size, torch::kDouble);
    out.push_back(C);
  }
  return out;
}

nlohmann::json ValueSettings::to_json() const {
  auto opt = [](const auto& v) { return v ? nlohmann::json(*v) : nlohmann::json(); };
  return {{"v_num_grad_steps", opt(v_num_grad_steps)}, {"v_lr", v_lr}, {"v_weight_decay", opt(v_weight_decay)},
          {"clamp_norm_factor", opt(clamp_norm_factor)}, {"kl_factor", kl_factor}, {"early_stop_loss", early_stop_loss}};
}

ValueOptions ValueSettings::resolve(const ArchEditDefaults& d, double default_clamp) const {
  ValueOptions v;
  v.num_grad_steps = v_num_grad_steps.value_or(d.v_num_grad_steps);
  v.lr = v_lr;
  v.weight_decay = v_weight_decay.value_or(d.v_weight_decay);
  v.clamp_norm_factor = clamp_norm_factor.value_or(default_clamp);
  v.kl_factor = kl_factor;
  v.early_stop_loss = early_stop_loss;
  return v;
}

void declare_value_options(ConfigSchema& s, const std::string& clamp_help) {
  s.optional("method.v_num_grad_steps", OptionType::Int, "Adam steps on δ (default per architecture: 20, Llama 25)");
  s.option("method.v_lr", 0.5, "Adam learning rate on δ");
  s.optional("method.v_weight_decay", OptionType::Number, "weight of ‖δ‖/‖v0‖² (default per architecture: 0.5, Llama 1e-3)");
  s.optional("method.clamp_norm_factor", OptionType::Number, clamp_help);
  s.option("method.kl_factor", 0.0625, "weight of KL on \"{subject} is a\" (essence drift)");
  s.option("method.early_stop_loss", 5e-2, "stop optimizing δ when the loss drops below this");
}

ValueSettings read_value_options(const nlohmann::json& c) {
  ValueSettings o;
  if (!config_value(c, "method.v_num_grad_steps").is_null()) o.v_num_grad_steps = config_get<int64_t>(c, "method.v_num_grad_steps");
  if (!config_value(c, "method.v_weight_decay").is_null()) o.v_weight_decay = config_get<double>(c, "method.v_weight_decay");
  if (!config_value(c, "method.clamp_norm_factor").is_null()) o.clamp_norm_factor = config_get<double>(c, "method.clamp_norm_factor");
  o.v_lr = config_get<double>(c, "method.v_lr");
  o.kl_factor = config_get<double>(c, "method.kl_factor");
  o.early_stop_loss = config_get<double>(c, "method.early_stop_loss");
  require_edit_option(!o.v_num_grad_steps || *o.v_num_grad_steps > 0, "v_num_grad_steps", "positive",
                      config_value(c, "method.v_num_grad_steps"));
  require_edit_option(o.v_lr > 0, "v_lr", "positive", o.v_lr);
  require_edit_option(o.kl_factor >= 0, "kl_factor", "non-negative", o.kl_factor);
  return o;
}

void declare_context_options(ConfigSchema& s) {
  s.option("method.context_template_length_params", nlohmann::json::array({{5, 10}, {10, 10}}),
           "[[tokens, count], ...] of the context prefixes sampled from the model");
  s.option("method.context_top_k", 5, "top-k of the context prefix sampling");
}

ContextTemplateOptions read_context_options(const nlohmann::json& c) {
  ContextTemplateOptions o;
  o.lengths.clear();
  const nlohmann::json& lengths = config_value(c, "method.context_template_length_params");
  for (const auto& pair : lengths) {
    require_edit_option(pair.is_array() && pair.size() == 2 && pair[0].is_number_integer() && pair[1].is_number_integer() &&
                            pair[0].get<int64_t>() > 0 && pair[1].get<int64_t>() >= 0,
                        "context_template_length_params", "a list of [tokens, count] pairs of integers", lengths);
    o.lengths.emplace_back(pair[0].get<int64_t>(), pair[1].get<int64_t>());
  }
  o.top_k = config_get<int64_t>(c, "method.context_top_k");
  require_edit_option(o.top_k >= 0, "context_top_k", "non-negative", o.top_k);
  return o;
}

nlohmann::json context_options_json(const ContextTemplateOptions& o) {
  return {{"context_template_length_params", o.lengths}, {"context_top_k", o.top_k}};
}

void require_edit_option(bool ok, const std::string& key, const std::string& what, const nlohmann::json& value) {
  if (!ok) throw config_error("method." + key + " must be " + what + ", got " + value.dump());
}

std::vector<int64_t> resolve_layers(const std::vector<int64_t>& given, const std::vector<int64_t>& defaults,
                                    int64_t num_layers) {
  const std::vector<int64_t>& layers = given.empty() ? defaults : given;
  for (int64_t l : layers)
    if (l < 0 || l >= num_layers)
      throw config_error("method.layers: layer " + std::to_string(l) + " is outside the model's 0.." +
                         std::to_string(num_layers - 1));
  return layers;
}

}  // namespace llmedit::edit
