#include "methods/edit/ft/ft.h"

#include <torch/torch.h>

#include <spdlog/spdlog.h>

#include "libllmedit/core/error.h"
#include "libllmedit/core/interrupt.h"
#include "libllmedit/core/progress.h"
#include "libllmedit/edit/edit_tokens.h"
#include "libllmedit/edit/mlp_layer.h"
#include "libllmedit/model/causal_lm.h"
#include "libllmedit/tokenizer/tokenizer.h"
#include "libllmedit/train/adamw.h"
#include "methods/edit/common/arch_defaults.h"
#include "methods/edit/common/edit_options.h"
#include "methods/edit/common/value_optimizer.h"

namespace llmedit::edit {

namespace {

struct TokenizedRequest {
  std::vector<int64_t> prompt, target;
};

// Mean over the batch of each request's mean target NLL.
torch::Tensor batch_loss(CausalLM& model, const std::vector<TokenizedRequest>& batch, FtObjective objective) {
  std::vector<std::vector<int64_t>> rows;
  for (const auto& r : batch) {
    rows.push_back(r.prompt);
    if (objective == FtObjective::TeacherForced) rows.back().insert(rows.back().end(), r.target.begin(), r.target.end() - 1);
  }
  const PaddedIds padded = right_pad(rows);
  ForwardOptions forward;
  forward.attention_mask = padded.mask.to(model.device());
  const torch::Tensor log_probs =
      torch::log_softmax(model.forward(padded.ids.to(model.device()), forward).logits.to(torch::kFloat), -1);  // [B, T, V]
  std::vector<torch::Tensor> losses;
  for (size_t b = 0; b < batch.size(); ++b) {
    const auto& r = batch[b];
    const auto n = static_cast<int64_t>(r.target.size());
    const torch::Tensor tokens = torch::tensor(r.target, torch::kLong).to(model.device());
    const auto last = static_cast<int64_t>(r.prompt.size()) - 1;
    torch::Tensor positions = objective == FtObjective::PromptLast
                                  ? torch::full({n}, last, torch::kLong)
                                  : torch::arange(last, last + n, torch::kLong);
    losses.push_back(-log_probs[static_cast<int64_t>(b)].index({positions.to(model.device()), tokens}).mean());
  }
  return torch::stack(losses).mean();
}

}  // namespace

nlohmann::json FtOptions::to_json() const {
  return {{"layers", layers},
          {"num_steps", num_steps},
          {"batch_size", batch_size},
          {"lr", lr},
          {"weight_decay", weight_decay},
          {"norm_constraint", norm_constraint},
          {"early_stop_loss", early_stop_loss},
          {"objective", objective == FtObjective::PromptLast ? "prompt_last" : "teacher_forced"}};
}

std::vector<int64_t> FineTune::edited_layers(const CausalLM& model) const {
  return resolve_layers(options_.layers, reference_defaults(model.spec()).rome_layers, model.spec().num_layers);
}

std::vector<std::string> FineTune::edited_weights(const CausalLM& model) const {
  return mlp_out_weight_names(model, edited_layers(model));
}

EditOutcome FineTune::edit(const EditInputs& inputs) {
  CausalLM& model = *inputs.model;
  const auto& requests = *inputs.requests;
  std::vector<TokenizedRequest> tokenized;
  for (size_t i = 0; i < requests.size(); ++i) {
    check_edit_request(requests[i], i);
    TokenizedRequest t;
    t.prompt = inputs.tokenizer->encode(filled_prompt(requests[i]), true);
    t.target = continuation_ids(*inputs.tokenizer, filled_prompt(requests[i]), requests[i].target_new);
    if (t.target.empty()) throw data_error(request_label(requests[i], i) + ": target_new has no tokens");
    tokenized.push_back(std::move(t));
  }
  const ArchEditDefaults d = reference_defaults(model.spec());
  const std::vector<int64_t> layers = edited_layers(model);
  nlohmann::json settings = options_.to_json();
  settings["layers"] = layers;
  settings["defaults_from"] = d.source;
  spdlog::info("fine-tuning settings: {}", settings.dump());

  FrozenWeights frozen(model);
  NamedTensors trained;
  std::vector<torch::Tensor> originals;
  for (int64_t l : layers) {
    torch::Tensor w = model.weight(mlp_out_weight_name(model, l));
    w.requires_grad_(true);
    trained.emplace_back(mlp_out_weight_name(model, l), w);
    originals.push_back(w.detach().clone());
  }
  AdamW adam(trained, {0.9, 0.999, 1e-8, options_.weight_decay});
  EditOutcome outcome;
  outcome.log.push_back(settings);
  ProgressBar bar("fine-tune", options_.num_steps, "step", inputs.progress);
  for (int64_t step = 0; step < options_.num_steps; ++step) {
    if (inputs.interrupt && inputs.interrupt->requested()) throw Interrupted("fine-tuning: interrupted");
    double total = 0;
    for (size_t begin = 0; begin < tokenized.size(); begin += static_cast<size_t>(options_.batch_size)) {
      const size_t end = std::min(tokenized.size(), begin + static_cast<size_t>(options_.batch_size));
      const std::vector<TokenizedRequest> batch(tokenized.begin() + static_cast<int64_t>(begin),
                                                tokenized.begin() + static_cast<int64_t>(end));
      adam.zero_grad();
      const torch::Tensor loss = batch_loss(model, batch, options_.objective);
      total += loss.item<double>() * static_cast<double>(end - begin);
      loss.backward();
      adam.step(options_.lr);
      if (options_.norm_constraint > 0) {
        torch::NoGradGuard no_grad;
        for (size_t i = 0; i < trained.size(); ++i)
          trained[i].second.copy_(torch::clamp(trained[i].second, originals[i] - options_.norm_constraint,
                                               originals[i] + options_.norm_constraint));
      }
    }
    const double mean = total / static_cast<double>(tokenized.size());
    nlohmann::json record = {{"step", step + 1}, {"loss", mean}};
    outcome.log.push_back(record);
    if (inputs.log) inputs.log(record);
    bar.update(step + 1, "loss " + std::to_string(mean));
    if (mean < options_.early_stop_loss) break;
  }
  bar.finish();
  for (size_t i = 0; i < trained.size(); ++i) {
    trained[i].second.mutable_grad() = torch::Tensor();
    outcome.deltas.emplace_back(trained[i].first, (trained[i].second.detach() - originals[i]));
  }
  return outcome;
}

void register_ft(MethodRegistry& registry) {
  for (FtObjective objective : {FtObjective::PromptLast, FtObjective::TeacherForced}) {
    EditorSpec spec;
    const bool last = objective == FtObjective::PromptLast;
    spec.name = last ? "ft_l" : "ft_m";
    spec.help = last ? "constrained fine-tuning of MLP weights, every target token scored at the prompt's last position"
                     : "constrained fine-tuning of MLP weights, teacher-forced on the target (prompt masked)";
    spec.declare = [](ConfigSchema& s) {
      s.option("method.layers", nlohmann::json::array(),
               "layers whose MLP output projection trains (empty: ROME's reference layer scaled to the model)");
      s.option("method.num_steps", 25, "passes over the requests");
      s.option("method.batch_size", 1, "requests per Adam step");
      s.option("method.lr", 5e-4, "Adam learning rate");
      s.option("method.weight_decay", 0.0, "AdamW decoupled weight decay");
      s.option("method.norm_constraint", 5e-4, "clamp every weight to W0 ± this after each step (0: no clamp)");
      s.option("method.early_stop_loss", 1e-2, "stop when the mean loss over the requests drops below this");
    };
    spec.create = [objective](const nlohmann::json& c) -> std::unique_ptr<Editor> {
      FtOptions o;
      o.objective = objective;
      o.layers = config_get<std::vector<int64_t>>(c, "method.layers");
      o.num_steps = config_get<int64_t>(c, "method.num_steps");
      o.batch_size = config_get<int64_t>(c, "method.batch_size");
      o.lr = config_get<double>(c, "method.lr");
      o.weight_decay = config_get<double>(c, "method.weight_decay");
      o.norm_constraint = config_get<double>(c, "method.norm_constraint");
      o.early_stop_loss = config_get<double>(c, "method.early_stop_loss");
      require_edit_option(o.num_steps > 0, "num_steps", "positive", o.num_steps);
      require_edit_option(o.batch_size > 0, "batch_size", "positive", o.batch_size);
      require_edit_option(o.lr > 0, "lr", "positive", o.lr);
      require_edit_option(o.norm_constraint >= 0, "norm_constraint", "non-negative", o.norm_constraint);
      return std::make_unique<FineTune>(std::move(o));
    };
    registry.add(std::move(spec));
  }
}

}  // namespace llmedit::edit
