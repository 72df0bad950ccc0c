#include "methods/unlearn/common/forget_retain.h"

#include <torch/torch.h>

#include <cmath>

#include "libllmedit/core/error.h"
#include "libllmedit/core/logging.h"
#include "libllmedit/data/qa_dataset.h"
#include "libllmedit/methods_api/training_outcome.h"
#include "libllmedit/model/causal_lm.h"
#include "libllmedit/model/lora.h"
#include "libllmedit/train/qa_collator.h"
#include "libllmedit/train/trainable_tensors.h"
#include "methods/unlearn/common/objective.h"

namespace llmedit::unlearn {

namespace {

const char* schedule_name(ScheduleKind kind) {
  switch (kind) {
    case ScheduleKind::Constant: return "constant";
    case ScheduleKind::Linear: return "linear";
    case ScheduleKind::Cosine: return "cosine";
  }
  return "?";
}

const char* kl_mask_name(KlMask mask) { return mask == KlMask::All ? "all" : "answer"; }

void check_inputs(const UnlearnInputs& in, const ForgetRetainOptions& o) {
  if (!in.model || !in.collator || !in.forget || !in.retain)
    throw Error(ErrorKind::Internal, "unlearn: model, collator, forget and retain must be given");
  if (in.forget->empty()) throw config_error("method '" + o.name + "' has no forget items to unlearn (data.forget)");
  if (o.retain != RetainTerm::None && in.retain->empty())
    throw config_error("method '" + o.name + "' needs retain items for its " + retain_term_name(o.retain) +
                       " term, but data.retain gives none");
}

std::vector<TokenizedQA> tokenize_items(const std::vector<QAItem>& items, const QACollator& collator) {
  std::vector<TokenizedQA> out;
  out.reserve(items.size());
  for (const QAItem& item : items) out.push_back(collator.tokenize(item.question, item.answer));
  return out;
}

}  // namespace

const char* forget_term_name(ForgetTerm term) {
  switch (term) {
    case ForgetTerm::GradientAscent: return "ga";
    case ForgetTerm::Npo: return "npo";
    case ForgetTerm::SimNpo: return "simnpo";
    case ForgetTerm::Relearn: return "relearn";
  }
  return "?";
}

const char* retain_term_name(RetainTerm term) {
  switch (term) {
    case RetainTerm::None: return "none";
    case RetainTerm::Gdr: return "gdr";
    case RetainTerm::Klr: return "klr";
    case RetainTerm::GdrKlr: return "gdr+klr";
  }
  return "?";
}

nlohmann::json to_json(const ForgetRetainOptions& o) {
  const TrainerOptions& t = o.trainer;
  nlohmann::json j = {{"method", o.name},
                      {"forget_term", forget_term_name(o.forget)},
                      {"retain_term", retain_term_name(o.retain)},
                      {"forget_weight", o.forget_weight},
                      {"learning_rate", t.lr},
                      {"num_train_epochs", t.epochs},
                      {"max_steps", t.max_steps},
                      {"per_device_train_batch_size", t.batch_size},
                      {"gradient_accumulation_steps", t.grad_accum},
                      {"lr_scheduler_type", schedule_name(t.schedule)},
                      {"warmup_epochs", o.warmup_epochs},
                      {"weight_decay", t.adamw.weight_decay},
                      {"adam_beta1", t.adamw.beta1},
                      {"adam_beta2", t.adamw.beta2},
                      {"adam_epsilon", t.adamw.eps},
                      {"max_grad_norm", t.max_grad_norm},
                      {"bf16", t.bf16_autocast},
                      {"save_steps", t.checkpoint_every},
                      {"logging_steps", t.log_every},
                      {"seed", t.seed}};
  if (o.forget == ForgetTerm::Npo || o.forget == ForgetTerm::SimNpo) j["beta"] = o.beta;
  if (o.forget == ForgetTerm::SimNpo) j["delta"] = o.delta;
  if (has_retain_ce(o.retain)) j["retain_weight"] = o.retain_weight;
  if (has_retain_kl(o.retain)) {
    j["kl_weight"] = o.kl_weight;
    j["kl_mask"] = kl_mask_name(o.kl_mask);
  }
  if (o.sure) j["sure_percentile"] = o.sure_percentile;
  return j;
}

int64_t warmup_steps_for(int64_t num_items, const ForgetRetainOptions& o) {
  if (o.warmup_epochs <= 0) return 0;
  const TrainerOptions& t = o.trainer;
  const int64_t micro_per_epoch = (num_items + t.batch_size - 1) / t.batch_size;
  const int64_t steps_per_epoch = (micro_per_epoch + t.grad_accum - 1) / t.grad_accum;
  return std::max<int64_t>(1, std::llround(o.warmup_epochs * static_cast<double>(steps_per_epoch)));
}

UnlearnOutcome ForgetRetainUnlearner::unlearn(const UnlearnInputs& in) {
  check_inputs(in, options_);
  const int64_t num_items = static_cast<int64_t>(in.forget->size());
  NamedTensors trainable = trainable_tensors(*in.model, in.adapter);
  std::vector<TokenizedQA> retain;
  if (options_.retain != RetainTerm::None) retain = tokenize_items(*in.retain, *in.collator);
  ForgetRetainObjective objective(options_, *in.model, in.adapter, *in.collator, tokenize_items(*in.forget, *in.collator),
                                  std::move(retain), trainable);

  TrainerOptions trainer = options_.trainer;
  trainer.warmup_steps = warmup_steps_for(num_items, options_);
  trainer.progress = in.hooks.progress;
  UnlearnOutcome outcome;
  TrainerHooks hooks;
  hooks.checkpoint_dir = in.hooks.checkpoint_dir;
  hooks.interrupt = in.hooks.interrupt;
  hooks.log = [&](const nlohmann::json& record) {
    nlohmann::json row = record;
    row["forget_term"] = objective.last_forget_term();
    if (has_retain_ce(options_.retain)) row["retain_ce"] = objective.last_retain_ce();
    if (has_retain_kl(options_.retain)) row["retain_kl"] = objective.last_retain_kl();
    outcome.log.push_back(row);
    if (in.hooks.log) in.hooks.log(row);
  };
  spdlog::info("{}: {} forget items, {} retain items, {} optimizer steps ({} warm-up), {} trainable tensors",
               options_.name, num_items, in.retain->size(),
               total_optimizer_steps(num_items, trainer), trainer.warmup_steps, trainable.size());

  in.model->train();
  const TrainResult result =
      train(trainable, num_items, [&](const std::vector<int64_t>& items) { return objective(items); }, trainer, hooks);
  in.model->eval();
  release_trainable_tensors(trainable, in.adapter);
  record_training(outcome, trainable, result);
  return outcome;
}

}  // namespace llmedit::unlearn
