// The target value of an edit (ROME's v*, Meng et al. 2022 eq. 4; MEMIT's z, Meng et al. 2023
// eq. 16): v = v0 + δ at one hook site of one layer, at the subject's last token, with δ
// trained by Adam on
//   mean over context prompts of the target's mean NLL
//   + kl_factor · KL(p0 ‖ p) of the next token after "{subject} is a" (essence drift)
//   + weight_decay · ‖δ‖ / ‖v0‖²
// with ‖δ‖ clamped to clamp_norm_factor · ‖v0‖ after every step, stopping early when the loss
// drops below early_stop_loss.
#pragma once
#include <torch/types.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "libllmedit/data/counterfact.h"

namespace llmedit {
class CausalLM;
class Tokenizer;
}  // namespace llmedit

namespace llmedit::edit {

struct ValueOptions {
  int64_t num_grad_steps = 20;
  double lr = 0.5;
  double weight_decay = 0.5;
  double clamp_norm_factor = 4.0;
  double kl_factor = 0.0625;
  double early_stop_loss = 5e-2;
  std::string kl_prompt = "{} is a";
};

struct ValueResult {
  torch::Tensor v0;      // [D] float32: the site's activation at the bare prompt's subject token
  torch::Tensor target;  // [D] float32: v0 + δ
  int64_t steps = 0;
  double first_loss = 0, final_loss = 0, final_nll = 0;
  nlohmann::json log() const;
};

// `group`: requests that share one subject (usually one request); δ is trained on the mean over
// them of each one's target NLL, so one value serves them all (METO's shared target). `index`
// numbers group[0] in messages. `templates`: "{}" first, then the context templates (each holds
// one "{}" for a request's prompt). `site` is a per-layer hook site name ("mlp.output" for ROME,
// "output" for MEMIT). v0 is read at group[0]'s bare prompt.
ValueResult optimize_value(CausalLM& model, const Tokenizer& tokenizer, const std::vector<EditRequest>& group,
                           size_t index, const std::vector<std::string>& templates, int64_t layer,
                           const std::string& site, const ValueOptions& options);

// The (context-filled) prompt texts with "{}" for the subject: templates[j] with the request's
// prompt in its slot.
std::vector<std::string> contextual_prompts(const std::vector<std::string>& templates, const EditRequest& request);

// The key at the subject's last token of each contextual prompt of each request of the group,
// [N·G, F] float32, request by request; row 0 is group[0]'s bare prompt.
torch::Tensor subject_keys(CausalLM& model, const Tokenizer& tokenizer, const std::vector<EditRequest>& group,
                           size_t index, const std::vector<std::string>& templates, int64_t layer);

// The requests' indices grouped by subject in order of first appearance when `share`, else one
// group per request.
std::vector<std::vector<size_t>> subject_groups(const std::vector<EditRequest>& requests, bool share);
std::vector<EditRequest> pick(const std::vector<EditRequest>& requests, const std::vector<size_t>& indices);

std::string request_label(const EditRequest& request, size_t index);

}  // namespace llmedit::edit
