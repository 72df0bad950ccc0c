#include "methods/edit/common/value_optimizer.h"

#include <torch/torch.h>

#include <map>

#include "libllmedit/core/error.h"
#include "libllmedit/edit/edit_tokens.h"
#include "libllmedit/edit/mlp_layer.h"
#include "libllmedit/model/causal_lm.h"
#include "libllmedit/tokenizer/tokenizer.h"
#include "libllmedit/train/adamw.h"

namespace llmedit::edit {

std::string request_label(const EditRequest& request, size_t index) {
  return "request " + std::to_string(index) + " (subject '" + request.subject + "')";
}

std::vector<std::string> contextual_prompts(const std::vector<std::string>& templates, const EditRequest& request) {
  std::vector<std::string> out;
  for (const std::string& t : templates) out.push_back(fill_template(t, request.prompt));
  return out;
}

torch::Tensor subject_keys(CausalLM& model, const Tokenizer& tokenizer, const std::vector<EditRequest>& group,
                           size_t index, const std::vector<std::string>& templates, int64_t layer) {
  std::vector<std::vector<int64_t>> seqs;
  std::vector<int64_t> positions;
  for (size_t g = 0; g < group.size(); ++g)
    for (const std::string& p : contextual_prompts(templates, group[g])) {
      seqs.push_back(tokenizer.encode(fill_template(p, group[g].subject), true));
      positions.push_back(subject_last_index(tokenizer, p, group[g].subject, request_label(group[g], index + g)));
    }
  return activations_at(model, seqs, positions, {layer_site(layer, "mlp.out_proj.input")})[0];  // [N, F]
}

nlohmann::json ValueResult::log() const {
  return {{"steps", steps},
          {"first_loss", first_loss},
          {"final_loss", final_loss},
          {"final_nll", final_nll},
          {"v0_norm", v0.norm().item<double>()},
          {"delta_norm", (target - v0).norm().item<double>()}};
}

std::vector<std::vector<size_t>> subject_groups(const std::vector<EditRequest>& requests, bool share) {
  std::vector<std::vector<size_t>> groups;
  std::map<std::string, size_t> group_of;
  for (size_t i = 0; i < requests.size(); ++i) {
    if (share) {
      auto [it, added] = group_of.emplace(requests[i].subject, groups.size());
      if (!added) {
        groups[it->second].push_back(i);
        continue;
      }
    }
    groups.push_back({i});
  }
  return groups;
}

std::vector<EditRequest> pick(const std::vector<EditRequest>& requests, const std::vector<size_t>& indices) {
  std::vector<EditRequest> out;
  for (size_t i : indices) out.push_back(requests[i]);
  return out;
}

ValueResult optimize_value(CausalLM& model, const Tokenizer& tokenizer, const std::vector<EditRequest>& group,
                           size_t index, const std::vector<std::string>& templates, int64_t layer,
                           const std::string& site, const ValueOptions& o) {
  // Rows: one per (request, context prompt) holding prompt + target[:-1], then the KL prompt.
  // Each scored target token weighs 1 / (its target's length · contexts · requests): the loss is
  // the mean over requests of each one's mean target NLL, as for a single request.
  std::vector<std::vector<int64_t>> rows;
  std::vector<int64_t> lookup, score_rows, score_pos, score_tok;
  std::vector<float> score_weight;
  const double per_request = 1.0 / static_cast<double>(group.size() * templates.size());
  for (size_t g = 0; g < group.size(); ++g) {
    const EditRequest& request = group[g];
    const std::string label = request_label(request, index + g);
    const std::vector<int64_t> target = continuation_ids(tokenizer, filled_prompt(request), request.target_new);
    if (target.empty()) throw data_error(label + ": target_new '" + request.target_new + "' has no tokens");
    for (const std::string& p : contextual_prompts(templates, request)) {
      std::vector<int64_t> ids = tokenizer.encode(fill_template(p, request.subject), true);
      const auto row = static_cast<int64_t>(rows.size());
      for (size_t t = 0; t < target.size(); ++t) {
        score_rows.push_back(row);
        score_pos.push_back(static_cast<int64_t>(ids.size() + t) - 1);
        score_tok.push_back(target[t]);
        score_weight.push_back(static_cast<float>(per_request / static_cast<double>(target.size())));
      }
      ids.insert(ids.end(), target.begin(), target.end() - 1);
      rows.push_back(std::move(ids));
      lookup.push_back(subject_last_index(tokenizer, p, request.subject, label));
    }
  }
  const auto n_rewrite = static_cast<int64_t>(rows.size());
  const EditRequest& first = group.front();
  rows.push_back(tokenizer.encode(fill_template(o.kl_prompt, first.subject), true));
  lookup.push_back(subject_last_index(tokenizer, o.kl_prompt, first.subject, request_label(first, index)));

  const torch::Device device = model.device();
  const PaddedIds batch = right_pad(rows);
  const auto B = batch.ids.size(0), T = batch.ids.size(1);
  torch::Tensor at_subject = torch::zeros({B, T}, torch::kFloat);  // [B, T]: 1 at each row's subject token
  for (int64_t b = 0; b < B; ++b) at_subject[b][lookup[static_cast<size_t>(b)]] = 1.0f;
  at_subject = at_subject.unsqueeze(-1).to(device);  // [B, T, 1]
  auto long_tensor = [&](const std::vector<int64_t>& v) { return torch::tensor(v, torch::kLong).to(device); };
  const torch::Tensor rows_i = long_tensor(score_rows), pos_i = long_tensor(score_pos), tok_i = long_tensor(score_tok);
  const torch::Tensor weights = torch::tensor(score_weight, torch::kFloat).to(device);

  const int64_t D = model.spec().hidden_size;
  torch::Tensor delta = torch::zeros({D}, torch::dtype(torch::kFloat).device(device)).requires_grad_(true);
  torch::Tensor v0;
  ScopedHook hook(model.hooks(), layer_site(layer, site.c_str()), [&](const torch::Tensor& x) {
    if (!v0.defined()) v0 = x[0][lookup[0]].detach().to(torch::kFloat).clone();  // [D]
    return x + at_subject.to(x.scalar_type()) * delta.to(x.scalar_type());
  });
  FrozenWeights frozen(model);
  AdamW adam({{"delta", delta}}, {0.9, 0.999, 1e-8, 0.0});
  ForwardOptions forward;
  forward.attention_mask = batch.mask.to(device);
  const torch::Tensor ids = batch.ids.to(device);
  torch::Tensor kl_init;  // [V] log-probabilities of the unedited model after "{subject} is a"

  ValueResult result;
  for (int64_t step = 0; step < o.num_grad_steps; ++step) {
    adam.zero_grad();
    const torch::Tensor log_probs = torch::log_softmax(model.forward(ids, forward).logits.to(torch::kFloat), -1);
    const torch::Tensor nll = -(log_probs.index({rows_i, pos_i, tok_i}) * weights).sum();
    const torch::Tensor kl_now = log_probs[n_rewrite][lookup.back()];  // [V]
    if (!kl_init.defined()) kl_init = kl_now.detach();
    const torch::Tensor kl = o.kl_factor * (kl_init.exp() * (kl_init - kl_now)).sum();
    const torch::Tensor decay = o.weight_decay * delta.norm() / v0.norm().pow(2);
    const torch::Tensor loss = nll + kl + decay;
    const double value = loss.item<double>();
    if (step == 0) result.first_loss = value;
    result.final_loss = value;
    result.final_nll = nll.item<double>();
    result.steps = step;
    if (value < o.early_stop_loss) break;
    if (step == o.num_grad_steps - 1) {  // the reference stops before the last update too
      result.steps = step + 1;
      break;
    }
    loss.backward();
    adam.step(o.lr);
    torch::NoGradGuard no_grad;
    const double max_norm = o.clamp_norm_factor * v0.norm().item<double>();
    const double norm = delta.norm().item<double>();
    if (norm > max_norm) delta.mul_(max_norm / norm);
  }
  result.v0 = v0;
  result.target = (v0 + delta.detach()).clone();
  return result;
}

}  // namespace llmedit::edit
