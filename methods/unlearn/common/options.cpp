#include "methods/unlearn/common/options.h"

#include "libllmedit/core/error.h"

namespace llmedit::unlearn {

void require_option(bool ok, const std::string& key, const std::string& what, const nlohmann::json& value) {
  if (!ok) throw config_error("method." + key + " must be " + what + ", got " + value.dump());
}

void declare_training_options(ConfigSchema& s, const TrainingDefaults& d) {
  // Names as in transformers' TrainingArguments.
  s.option("method.learning_rate", d.learning_rate, "peak learning rate (ReLearn's KnowUnDo scripts: 1e-5)");
  s.option("method.num_train_epochs", d.num_train_epochs, "passes over the forget items");
  s.option("method.max_steps", 0, "optimizer steps; overrides num_train_epochs when > 0");
  s.option("method.per_device_train_batch_size", d.per_device_train_batch_size,
           "forget items per micro-batch (each with its retain partner)");
  s.option("method.gradient_accumulation_steps", d.gradient_accumulation_steps, "micro-batches per optimizer step");
  s.option("method.lr_scheduler_type", "linear", "learning-rate schedule after warm-up", {"constant", "linear", "cosine"});
  s.option("method.warmup_epochs", 1.0, "linear warm-up over this many epochs' optimizer steps (at least 1; 0: none)");
  s.option("method.weight_decay", 0.01, "AdamW decoupled weight decay (not on biases and norms)");
  s.option("method.adam_beta1", 0.9, "AdamW beta1");
  s.option("method.adam_beta2", 0.999, "AdamW beta2");
  s.option("method.adam_epsilon", 1e-8, "AdamW epsilon");
  s.option("method.max_grad_norm", 1.0, "gradient clipping by global norm (0: off)");
  s.option("method.bf16", false, "bfloat16 autocast for the forward passes");
  s.option("method.save_steps", 0, "checkpoint every N optimizer steps (0: only at the end); --resume continues");
  s.option("method.save_total_limit", 1, "checkpoints kept on disk");
  s.option("method.logging_steps", 1, "write train_log.jsonl every N steps");
  s.option("method.forget_weight", 1.0, "weight of the forget term");
}

void read_training_options(const nlohmann::json& c, ForgetRetainOptions& o) {
  TrainerOptions& t = o.trainer;
  t.lr = config_get<double>(c, "method.learning_rate");
  t.epochs = config_get<int64_t>(c, "method.num_train_epochs");
  t.max_steps = config_get<int64_t>(c, "method.max_steps");
  t.batch_size = config_get<int64_t>(c, "method.per_device_train_batch_size");
  t.grad_accum = config_get<int64_t>(c, "method.gradient_accumulation_steps");
  t.schedule = parse_schedule(config_get<std::string>(c, "method.lr_scheduler_type"));
  o.warmup_epochs = config_get<double>(c, "method.warmup_epochs");
  t.adamw = {config_get<double>(c, "method.adam_beta1"), config_get<double>(c, "method.adam_beta2"),
             config_get<double>(c, "method.adam_epsilon"), config_get<double>(c, "method.weight_decay")};
  t.max_grad_norm = config_get<double>(c, "method.max_grad_norm");
  t.bf16_autocast = config_get<bool>(c, "method.bf16");
  t.checkpoint_every = config_get<int64_t>(c, "method.save_steps");
  t.keep_checkpoints = config_get<int64_t>(c, "method.save_total_limit");
  t.log_every = config_get<int64_t>(c, "method.logging_steps");
  t.seed = config_get<uint64_t>(c, "seed");
  o.forget_weight = config_get<double>(c, "method.forget_weight");
  require_option(t.lr >= 0, "learning_rate", "non-negative", t.lr);
  require_option(t.epochs > 0 || t.max_steps > 0, "num_train_epochs", "positive (or max_steps > 0)", t.epochs);
  require_option(t.batch_size > 0, "per_device_train_batch_size", "positive", t.batch_size);
  require_option(t.grad_accum > 0, "gradient_accumulation_steps", "positive", t.grad_accum);
  require_option(o.warmup_epochs >= 0, "warmup_epochs", "non-negative", o.warmup_epochs);
  require_option(t.max_grad_norm >= 0, "max_grad_norm", "non-negative", t.max_grad_norm);
}

void declare_retain_options(ConfigSchema& s, RetainTerm retain) {
  if (has_retain_ce(retain)) s.option("method.retain_weight", 1.0, "weight of CE(retain)");
  if (!has_retain_kl(retain)) return;
  s.option("method.kl_weight", 1.0, "weight of KL(ref||theta) on retain");
  s.option("method.kl_mask", "answer",
           "positions KL(ref||theta) averages over: answer tokens, or all (every position incl. padding, as the "
           "reference code)",
           {"answer", "all"});
}

void read_retain_options(const nlohmann::json& c, RetainTerm retain, ForgetRetainOptions& o) {
  o.retain = retain;
  if (has_retain_ce(retain)) o.retain_weight = config_get<double>(c, "method.retain_weight");
  if (!has_retain_kl(retain)) return;
  o.kl_weight = config_get<double>(c, "method.kl_weight");
  o.kl_mask = config_get<std::string>(c, "method.kl_mask") == "all" ? KlMask::All : KlMask::Answer;
}

}  // namespace llmedit::unlearn
