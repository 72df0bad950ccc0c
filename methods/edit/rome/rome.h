// ROME: Rank-One Model Editing (Meng, Bau, Andonian, Belinkov, "Locating and Editing Factual
// Associations in GPT", NeurIPS 2022, §3.1, eq. 2-4). Per request and layer:
//   k* = mean key at the subject's last token over the bare prompt and the sampled contexts,
//   u  = C⁻¹k* / ‖C⁻¹k*‖ (C: the keys' uncentered second moment),
//   v* = v0 + δ, δ trained on the new target (methods/edit/common/value_optimizer.h),
//   ΔW = (v* − W k − b) uᵀ / (k·u) with k the bare prompt's key,
// so the edited layer maps k to v* exactly. key_mode "r-rome" (Gupta, Sajjad, Anumanchipalli,
// "Rebuilding ROME", 2024) uses k* in place of k, which keeps sequential edits from collapsing
// the model. Several requests are applied one after another, each on the already edited model.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "libllmedit/edit/context_templates.h"
#include "libllmedit/methods_api/method_registry.h"
#include "methods/edit/common/edit_options.h"
#include "methods/edit/common/value_optimizer.h"

namespace llmedit::edit {

struct RomeOptions {
  std::vector<int64_t> layers;  // empty: the architecture's reference layer
  ValueSettings value;
  bool r_rome = false;
  ContextTemplateOptions context;  // seed comes from the run
  StatsOptions stats;
  nlohmann::json to_json() const;
};

// One layer's rank-one update for one request (or a group sharing a subject, with one v* for
// all and k* averaged over all their prompts), computed on the model as it is (not applied).
struct RomeUpdate {
  int64_t layer = 0;
  torch::Tensor u;             // [F] float64, unit norm
  torch::Tensor key;           // [F] float64: the key the update maps to v* (k, or k* in r-rome)
  torch::Tensor v_star;        // [D] float64
  torch::Tensor delta_out_in;  // [D, F] float64
  ValueResult value;
};

RomeUpdate rome_update(CausalLM& model, const Tokenizer& tokenizer, const std::vector<EditRequest>& group, size_t index,
                       const std::vector<std::string>& templates, int64_t layer, const torch::Tensor& second_moment,
                       const ValueOptions& value_options, bool r_rome);

class Rome : public Editor {
 public:
  explicit Rome(RomeOptions options) : options_(std::move(options)) {}
  nlohmann::json options_json() const override { return options_.to_json(); }
  EditOutcome edit(const EditInputs& inputs) override;
  std::vector<std::string> edited_weights(const CausalLM& model) const override;

 private:
  std::vector<int64_t> edited_layers(const CausalLM& model) const;  // method.layers or the architecture's
  RomeOptions options_;
  SecondMoments second_moments_;  // read at the first edit, kept for the next
};

// Context templates for an edit run: cached as <cache_dir>/context_templates.json.
std::vector<std::string> edit_context_templates(const EditInputs& inputs, ContextTemplateOptions options);

void register_rome(MethodRegistry& registry);

}  // namespace llmedit::edit
