#include "libllmedit/jobs/train_job.h"

#include <torch/torch.h>

#include <algorithm>
#include <optional>

#include "libllmedit/core/error.h"
#include "libllmedit/core/logging.h"
#include "libllmedit/data/text_corpus.h"
#include "libllmedit/jobs/eval_job.h"
#include "libllmedit/jobs/lora_setup.h"
#include "libllmedit/jobs/model_setup.h"
#include "libllmedit/jobs/qa_data.h"
#include "libllmedit/model/init_weights.h"
#include "libllmedit/model/loader.h"
#include "libllmedit/model/lora.h"
#include "libllmedit/report/summary.h"
#include "libllmedit/train/losses.h"
#include "libllmedit/train/trainer.h"

namespace llmedit {

namespace {

void declare_train_options(ConfigSchema& s) {
  s.optional("model.init", OptionType::Object,
             "config.json of a fresh model to train from scratch instead of model.path (vocab_size, bos/eos ids "
             "default to the tokenizer's)");
  s.option("data.train", nlohmann::json::array(), "QA files to train on (world JSONL, TOFU JSONL, KnowUnDo JSON)");
  s.option("data.splits", nlohmann::json::array(), "keep only QA items of these splits (empty: all)");
  s.option("data.paraphrases", true, "also train on each item's paraphrased questions");
  s.option("data.corpus", nlohmann::json::array(), "plain-text corpora (documents separated by blank lines)");
  s.option("data.max_length", 256, "tokens per item at most (the prompt is truncated first)");
  s.option("data.group_by_length", true, "batch items of similar length together (less padding)");
  // Names as in transformers' TrainingArguments.
  s.option("train.num_train_epochs", 3, "passes over the training items");
  s.option("train.max_steps", 0, "optimizer steps; overrides num_train_epochs when > 0");
  s.option("train.per_device_train_batch_size", 8, "items per micro-batch");
  s.option("train.gradient_accumulation_steps", 1, "micro-batches per optimizer step");
  s.option("train.learning_rate", 1e-4, "peak learning rate");
  s.option("train.lr_scheduler_type", "linear", "learning-rate schedule after warm-up", {"constant", "linear", "cosine"});
  s.option("train.warmup_steps", 0, "linear warm-up steps (wins over warmup_ratio when > 0)");
  s.option("train.warmup_ratio", 0.0, "warm-up as a fraction of all steps");
  s.option("train.weight_decay", 0.01, "AdamW decoupled weight decay (not on biases and norms)");
  s.option("train.adam_beta1", 0.9, "AdamW beta1");
  s.option("train.adam_beta2", 0.999, "AdamW beta2");
  s.option("train.adam_epsilon", 1e-8, "AdamW epsilon");
  s.option("train.max_grad_norm", 1.0, "gradient clipping by global norm (0: off)");
  s.option("train.bf16", false, "bfloat16 autocast for the forward pass");
  s.option("train.save_steps", 0, "checkpoint every N optimizer steps (0: only at the end); --resume continues");
  s.option("train.save_total_limit", 1, "checkpoints kept on disk");
  s.option("train.logging_steps", 10, "write train_log.jsonl every N steps");
  s.option("train.freeze", nlohmann::json::array(),
           "weights whose Hugging Face name contains one of these strings stay fixed (e.g. \"mlp.\")");
  // Names as in PEFT's LoraConfig.
  declare_lora_options(s, false, 8, 16.0, "train a LoRA adapter instead of all weights");
  s.option("eval.qa", nlohmann::json::array(), "QA files to answer after training (knowledge accuracy per split)");
  s.option("eval.splits", nlohmann::json::array(), "keep only eval items of these splits (empty: all)");
  declare_answer_options(s, "eval");
}

TrainerOptions read_trainer_options(const nlohmann::json& c, int64_t num_items) {
  TrainerOptions o;
  o.epochs = config_get<int64_t>(c, "train.num_train_epochs");
  o.max_steps = config_get<int64_t>(c, "train.max_steps");
  o.batch_size = config_get<int64_t>(c, "train.per_device_train_batch_size");
  o.grad_accum = config_get<int64_t>(c, "train.gradient_accumulation_steps");
  o.lr = config_get<double>(c, "train.learning_rate");
  o.schedule = parse_schedule(config_get<std::string>(c, "train.lr_scheduler_type"));
  o.adamw = {config_get<double>(c, "train.adam_beta1"), config_get<double>(c, "train.adam_beta2"),
             config_get<double>(c, "train.adam_epsilon"), config_get<double>(c, "train.weight_decay")};
  o.max_grad_norm = config_get<double>(c, "train.max_grad_norm");
  o.bf16_autocast = config_get<bool>(c, "train.bf16");
  o.seed = config_get<uint64_t>(c, "seed");
  o.checkpoint_every = config_get<int64_t>(c, "train.save_steps");
  o.keep_checkpoints = config_get<int64_t>(c, "train.save_total_limit");
  o.log_every = config_get<int64_t>(c, "train.logging_steps");
  o.warmup_steps = config_get<int64_t>(c, "train.warmup_steps");
  if (o.warmup_steps == 0) {
    const double ratio = config_get<double>(c, "train.warmup_ratio");
    o.warmup_steps = static_cast<int64_t>(std::ceil(ratio * static_cast<double>(total_optimizer_steps(num_items, o))));
  }
  return o;
}

// A fresh model from model.init, with the tokenizer's vocabulary size and special ids filled in.
std::shared_ptr<CausalLM> init_model(const nlohmann::json& c, const Tokenizer& tokenizer, torch::Device device) {
  nlohmann::json config = config_value(c, "model.init");
  if (!config.contains("vocab_size") || config["vocab_size"].get<int64_t>() <= 0) config["vocab_size"] = tokenizer.vocab_size();
  if (!config.contains("bos_token_id") && tokenizer.bos_id() >= 0) config["bos_token_id"] = tokenizer.bos_id();
  if (!config.contains("eos_token_id") && tokenizer.eos_id() >= 0) config["eos_token_id"] = tokenizer.eos_id();
  const ArchSpec spec = ArchSpec::from_config(config, "model.init");
  const NamedTensors weights = init_weights(spec, config.value("initializer_range", 0.02), config_get<uint64_t>(c, "seed"));
  auto model = std::make_shared<CausalLM>(spec, config, weights, "model.init",
                                          parse_dtype(config_get<std::string>(c, "model.dtype")));
  model->to(device);
  return model;
}

// Every training item tokenized once: QA pairs (and their paraphrases) with the prompt masked,
// corpus documents as plain text cut into max_length pieces.
std::vector<TokenizedQA> training_items(const nlohmann::json& c, const QACollator& collator) {
  std::vector<TokenizedQA> items;
  const auto qa = read_qa_files(config_get<std::vector<std::string>>(c, "data.train"),
                                config_get<std::vector<std::string>>(c, "data.splits"), "data.train");
  const bool paraphrases = config_get<bool>(c, "data.paraphrases");
  for (const QAItem& item : qa) {
    items.push_back(collator.tokenize(item.question, item.answer));
    if (paraphrases)
      for (const std::string& q : item.paraphrased_questions) items.push_back(collator.tokenize(q, item.answer));
  }
  const Tokenizer& tokenizer = collator.tokenizer();
  const auto max_length = static_cast<size_t>(collator.options().max_length);
  for (const std::string& file : config_get<std::vector<std::string>>(c, "data.corpus")) {
    for (const std::string& document : read_text_corpus(file)) {
      std::vector<int64_t> ids = tokenizer.encode(document, /*add_special_tokens=*/false);
      if (tokenizer.bos_id() >= 0) ids.insert(ids.begin(), tokenizer.bos_id());
      ids.push_back(tokenizer.eos_id());
      for (size_t begin = 0; begin + 1 < ids.size(); begin += max_length)
        items.push_back({std::vector<int64_t>(ids.begin() + begin, ids.begin() + std::min(ids.size(), begin + max_length)), 0});
    }
  }
  if (items.empty()) throw config_error("nothing to train on: data.train and data.corpus are both empty");
  return items;
}

// Every weight but those whose name contains a `frozen` string, which stop requiring grad. A
// string that names no weight is an error: a typo would otherwise train everything.
NamedTensors unfrozen_weights(CausalLM& model, const std::vector<std::string>& frozen) {
  NamedTensors trainable;
  std::vector<bool> used(frozen.size(), false);
  for (const auto& [name, p] : model.named_weights()) {
    bool freeze = false;
    for (size_t i = 0; i < frozen.size(); ++i)
      if (name.find(frozen[i]) != std::string::npos) freeze = used[i] = true;
    p.set_requires_grad(!freeze);
    if (!freeze) trainable.emplace_back(name, p);
  }
  for (size_t i = 0; i < frozen.size(); ++i)
    if (!used[i]) throw config_error("train.freeze: \"" + frozen[i] + "\" is in no weight's name (e.g. \"mlp.\", \"self_attn.\")");
  if (trainable.empty()) throw config_error("train.freeze: every weight is frozen; nothing would train");
  return trainable;
}

JobOutcome run_train(JobContext& context) {
  const nlohmann::json& c = context.config;
  const std::string source = context.run.path("config.resolved.json");
  TokenizerSetup tokenizer = load_tokenizer_from_config(c, source);
  QACollatorOptions collator_options;
  collator_options.max_length = config_get<int64_t>(c, "data.max_length");
  QACollator collator(*tokenizer.tokenizer, *tokenizer.chat_template, collator_options);
  const std::vector<TokenizedQA> items = training_items(c, collator);

  const torch::Device device = resolve_device(config_get<std::string>(c, "device"));
  std::shared_ptr<CausalLM> model =
      config_value(c, "model.init").is_null() ? load_model_from_config(c, source) : init_model(c, *tokenizer.tokenizer, device);

  if (config_get<bool>(c, "lora.enabled") && !config_get<std::vector<std::string>>(c, "train.freeze").empty())
    throw config_error("train.freeze: not used with lora.enabled (a LoRA run trains only its adapter)");
  std::optional<LoraAdapter> adapter = attach_lora_from_config(c, *model);
  NamedTensors trainable;
  if (adapter) {
    const NamedTensors names = adapter->peft_tensors();
    const std::vector<torch::Tensor> params = adapter->parameters();
    for (size_t i = 0; i < params.size(); ++i) trainable.emplace_back(names[i].first, params[i]);
  } else {
    trainable = unfrozen_weights(*model, config_get<std::vector<std::string>>(c, "train.freeze"));
  }
  model->train();

  TrainerOptions options = read_trainer_options(c, static_cast<int64_t>(items.size()));
  if (config_get<bool>(c, "data.group_by_length"))
    for (const TokenizedQA& item : items) options.lengths.push_back(static_cast<int64_t>(item.ids.size()));
  spdlog::info("training {} items, {} optimizer steps, {} trainable tensors", items.size(),
               total_optimizer_steps(static_cast<int64_t>(items.size()), options), trainable.size());
  TrainerHooks hooks;
  hooks.checkpoint_dir = context.run.checkpoint_dir();
  hooks.log = [&](const nlohmann::json& record) { context.run.append_train_log(record); };
  hooks.interrupt = context.interrupt;

  auto loss_fn = [&](const std::vector<int64_t>& batch_items) {
    std::vector<TokenizedQA> batch;
    for (int64_t i : batch_items) batch.push_back(items[static_cast<size_t>(i)]);
    const QABatch b = collator.collate(batch);
    ForwardOptions forward;
    forward.attention_mask = b.attention_mask.to(model->device());
    const torch::Tensor logits = model->forward(b.input_ids.to(model->device()), forward).logits;  // [B, T, V]
    return MicroBatchLoss{causal_lm_loss(logits, b.labels.to(model->device())), b.attention_mask.sum().item<int64_t>()};
  };
  const TrainResult result = train(trainable, static_cast<int64_t>(items.size()), loss_fn, options, hooks);
  JobOutcome outcome;
  outcome.interrupted = result.interrupted;
  if (result.interrupted) return outcome;

  model->eval();
  save_trained_model(c, *model, adapter, tokenizer.path, context.run);
  const nlohmann::json training = {{"items", items.size()},
                                   {"steps", result.steps_done},
                                   {"final_loss", result.last_loss},
                                   {"seconds", result.seconds},
                                   {"resumed_from_step", result.resumed_from}};
  outcome.metrics = {{"train", training}};
  const auto eval_files = config_get<std::vector<std::string>>(c, "eval.qa");
  if (!eval_files.empty()) {
    const auto qa = read_qa_files(eval_files, config_get<std::vector<std::string>>(c, "eval.splits"), "eval.qa");
    const EvalSection knowledge = evaluate_knowledge_section(
        *model, collator, to_knowledge_items(qa), read_answer_options(c, "eval", config_get<uint64_t>(c, "seed")),
        config_get<int64_t>(c, "eval.max_items"));
    context.run.write_predictions(knowledge.rows);
    outcome.metrics.update(knowledge.metrics);
  }
  context.run.write_metrics(outcome.metrics);
  context.run.write_summary(summary_markdown("train", c, outcome.metrics, {}));
  return outcome;
}

}  // namespace

JobKind train_job_kind() {
  JobKind kind;
  kind.name = "train";
  kind.help = "fine-tune or train from scratch on QA files and corpora (full weights or LoRA)";
  kind.declare = declare_train_options;
  kind.run = run_train;
  return kind;
}

}  // namespace llmedit
