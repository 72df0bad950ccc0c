#include "methods/edit/rome/rome.h"

#include <torch/torch.h>

#include <spdlog/spdlog.h>

#include <chrono>
#include <map>

#include "libllmedit/core/error.h"
#include "libllmedit/core/interrupt.h"
#include "libllmedit/core/progress.h"
#include "libllmedit/edit/edit_tokens.h"
#include "libllmedit/edit/mlp_layer.h"
#include "libllmedit/model/causal_lm.h"
#include "libllmedit/tokenizer/tokenizer.h"
#include "methods/edit/common/arch_defaults.h"

namespace llmedit::edit {

namespace {

// C⁻¹k through a Cholesky factor (C is symmetric positive definite when the corpus has more
// tokens than key dimensions); a general solve when it is not.
torch::Tensor whiten(const torch::Tensor& second_moment, const torch::Tensor& k) {
  const torch::Tensor C = second_moment.to(k.device(), torch::kDouble);
  const auto [L, info] = torch::linalg_cholesky_ex(C);
  if (info.item<int64_t>() == 0) return torch::cholesky_solve(k.unsqueeze(1), L).squeeze(1);
  return torch::linalg_solve(C, k.unsqueeze(1)).squeeze(1);
}

}  // namespace

nlohmann::json RomeOptions::to_json() const {
  nlohmann::json j = {{"layers", layers}, {"key_mode", r_rome ? "r-rome" : "rome"}};
  j.update(value.to_json());
  j.update(context_options_json(context));
  j.update(stats.to_json());
  return j;
}

std::vector<std::string> edit_context_templates(const EditInputs& inputs, ContextTemplateOptions options) {
  options.seed = inputs.seed;
  const std::string cache = inputs.cache_dir.empty() ? "" : inputs.cache_dir + "/context_templates.json";
  return context_templates(*inputs.model, *inputs.tokenizer, options, cache);
}

RomeUpdate rome_update(CausalLM& model, const Tokenizer& tokenizer, const std::vector<EditRequest>& group, size_t index,
                       const std::vector<std::string>& templates, int64_t layer, const torch::Tensor& second_moment,
                       const ValueOptions& value_options, bool r_rome) {
  RomeUpdate up;
  up.layer = layer;
  const torch::Tensor keys = subject_keys(model, tokenizer, group, index, templates, layer).to(torch::kDouble);  // [N, F]
  const torch::Tensor k_star = keys.mean(0);                                                                     // [F]
  up.u = whiten(second_moment, k_star);
  up.u = up.u / up.u.norm();
  up.value = optimize_value(model, tokenizer, group, index, templates, layer, "mlp.output", value_options);
  up.v_star = up.value.target.to(torch::kDouble);
  torch::Tensor current;  // [D]: what the layer gives for the key now
  if (r_rome) {
    up.key = k_star;
    const LinearWeights& down = model.layer(layer).down;
    current = torch::matmul(mlp_out_weight_out_in(model, layer).to(torch::kDouble), k_star);
    if (down.bias.defined()) current = current + down.bias.to(torch::kDouble);
  } else {
    up.key = keys[0];  // templates[0] is group[0]'s bare prompt
    current = up.value.v0.to(torch::kDouble);
  }
  const torch::Tensor right = (up.v_star - current) / torch::dot(up.key, up.u);  // [D]
  up.delta_out_in = torch::outer(right, up.u);                                    // [D, F]
  return up;
}

std::vector<int64_t> Rome::edited_layers(const CausalLM& model) const {
  return resolve_layers(options_.layers, reference_defaults(model.spec()).rome_layers, model.spec().num_layers);
}

std::vector<std::string> Rome::edited_weights(const CausalLM& model) const {
  return mlp_out_weight_names(model, edited_layers(model));
}

EditOutcome Rome::edit(const EditInputs& inputs) {
  CausalLM& model = *inputs.model;
  const auto& requests = *inputs.requests;
  for (size_t i = 0; i < requests.size(); ++i) check_edit_request(requests[i], i);
  const ArchEditDefaults d = reference_defaults(model.spec());
  const std::vector<int64_t> layers = edited_layers(model);
  const ValueOptions v = options_.value.resolve(d, d.rome_clamp_norm_factor);
  nlohmann::json settings = {{"method", "rome"},       {"defaults_from", d.source},     {"layers", layers},
                             {"v_num_grad_steps", v.num_grad_steps}, {"v_lr", v.lr}, {"v_weight_decay", v.weight_decay},
                             {"clamp_norm_factor", v.clamp_norm_factor}, {"kl_factor", v.kl_factor},
                             {"key_mode", options_.r_rome ? "r-rome" : "rome"}};
  spdlog::info("rome settings: {}", settings.dump());

  const std::vector<torch::Tensor> C = second_moments_.load(options_.stats, inputs.model_info, layers,
                                                           model.spec().intermediate_size);
  const std::vector<std::string> templates = edit_context_templates(inputs, options_.context);
  EditOutcome outcome;
  outcome.log.push_back(settings);
  std::map<std::string, torch::Tensor> deltas;
  const std::vector<std::vector<size_t>> groups = subject_groups(requests, inputs.share_subject_value);
  ProgressBar bar("rome", static_cast<int64_t>(groups.size()), "edit", inputs.progress && groups.size() > 1);
  for (size_t g = 0; g < groups.size(); ++g) {
    if (inputs.interrupt && inputs.interrupt->requested()) throw Interrupted("rome: interrupted");
    const std::vector<EditRequest> group = pick(requests, groups[g]);
    for (size_t l = 0; l < layers.size(); ++l) {
      const auto start = std::chrono::steady_clock::now();
      const RomeUpdate up = rome_update(model, *inputs.tokenizer, group, groups[g][0], templates, layers[l], C[l], v,
                                        options_.r_rome);
      const torch::Tensor stored = add_mlp_out_delta(model, layers[l], up.delta_out_in);
      const std::string name = mlp_out_weight_name(model, layers[l]);
      deltas[name] = deltas.count(name) ? deltas[name] + stored : stored.clone();
      nlohmann::json record = up.value.log();
      record["request"] = groups[g][0];
      if (groups[g].size() > 1) record["shared_with"] = groups[g].size();
      record["layer"] = layers[l];
      record["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      outcome.log.push_back(record);
      if (inputs.log) inputs.log(record);
    }
    bar.update(static_cast<int64_t>(g + 1));
  }
  bar.finish();
  for (auto& [name, delta] : deltas) outcome.deltas.emplace_back(name, delta);
  return outcome;
}

void register_rome(MethodRegistry& registry) {
  EditorSpec spec;
  spec.name = "rome";
  spec.help = "ROME: rank-one update of one MLP output projection per request (Meng et al. 2022)";
  spec.declare = [](ConfigSchema& s) {
    s.option("method.layers", nlohmann::json::array(), "layers to edit (empty: the reference layer scaled to the model)");
    declare_value_options(s, "‖δ‖ ≤ this · ‖v0‖ (default 4)");
    s.option("method.key_mode", "rome", "rome: the bare prompt's key in ΔW; r-rome: the averaged key k*",
             {"rome", "r-rome"});
    declare_context_options(s);
    declare_stats_options(s);
  };
  spec.create = [](const nlohmann::json& c) -> std::unique_ptr<Editor> {
    RomeOptions o;
    o.layers = config_get<std::vector<int64_t>>(c, "method.layers");
    o.value = read_value_options(c);
    o.r_rome = config_get<std::string>(c, "method.key_mode") == "r-rome";
    o.context = read_context_options(c);
    o.stats = read_stats_options(c);
    return std::make_unique<Rome>(std::move(o));
  };
  registry.add(std::move(spec));
}

}  // namespace llmedit::edit
