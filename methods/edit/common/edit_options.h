// The options ROME and MEMIT share (under "method.", with the reference names): the key
// statistics (mom2_adjustment, mom2_dataset, mom2_n_samples, plus mom2_max_length and
// stats_dir), the target-value optimization (v_num_grad_steps, v_lr, ...) and the context
// templates; declared and read here, once.
#pragma once
#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "libllmedit/core/config.h"
#include "libllmedit/edit/key_statistics.h"
#include "libllmedit/edit/context_templates.h"
#include "libllmedit/methods_api/editor.h"
#include "methods/edit/common/arch_defaults.h"
#include "methods/edit/common/value_optimizer.h"

namespace llmedit::edit {

struct StatsOptions {
  bool mom2_adjustment = true;
  std::vector<std::string> mom2_dataset;
  int64_t mom2_n_samples = 100000;
  int64_t mom2_max_length = 256;
  std::string stats_dir = "stats";
  nlohmann::json to_json() const;
  // Where the edited model's statistics live.
  KeyStatsSpec spec(const EditModelInfo& model) const;
};

void declare_stats_options(ConfigSchema& schema);
StatsOptions read_stats_options(const nlohmann::json& resolved);

// C for each layer (float64 [F, F]), or identity matrices when mom2_adjustment is false; fails
// with the `llmedit stats` command when a layer's statistics are missing. An editor keeps one:
// edit jobs call edit() once per request or batch, and each read would hash the corpus files
// again and load an [F, F] float64 file (970 MB per layer at Llama-2-7B's F = 11008).
class SecondMoments {
 public:
  std::vector<torch::Tensor> load(const StatsOptions& options, const EditModelInfo& model,
                                  const std::vector<int64_t>& layers, int64_t intermediate_size);

 private:
  std::string model_;  // path, dtype and weights hash of the model the kept matrices are for
  std::map<int64_t, torch::Tensor> by_layer_;
};

// v_num_grad_steps, v_weight_decay and clamp_norm_factor default per architecture (null in the
// config); the rest have one default.
struct ValueSettings {
  std::optional<int64_t> v_num_grad_steps;
  std::optional<double> v_weight_decay, clamp_norm_factor;
  double v_lr = 0.5, kl_factor = 0.0625, early_stop_loss = 5e-2;
  nlohmann::json to_json() const;
  ValueOptions resolve(const ArchEditDefaults& defaults, double default_clamp) const;
};
void declare_value_options(ConfigSchema& schema, const std::string& clamp_help);
ValueSettings read_value_options(const nlohmann::json& resolved);

// method.context_template_length_params and method.context_top_k.
void declare_context_options(ConfigSchema& schema);
ContextTemplateOptions read_context_options(const nlohmann::json& resolved);
nlohmann::json context_options_json(const ContextTemplateOptions& options);

// A config error "method.<key> must be <what>, got <value>" unless `ok`.
void require_edit_option(bool ok, const std::string& key, const std::string& what, const nlohmann::json& value);

// method.layers as given, or the architecture default when empty; checked against the model.
std::vector<int64_t> resolve_layers(const std::vector<int64_t>& given, const std::vector<int64_t>& defaults,
                                    int64_t num_layers);

}  // namespace llmedit::edit
