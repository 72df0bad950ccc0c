#include "libllmedit/jobs/unlearn_job.h"

#include <torch/torch.h>

#include <optional>

#include "libllmedit/core/error.h"
#include "libllmedit/core/logging.h"
#include "libllmedit/eval/answer_likelihood.h"
#include "libllmedit/jobs/eval_job.h"
#include "libllmedit/jobs/lora_setup.h"
#include "libllmedit/jobs/mc_section.h"
#include "libllmedit/jobs/model_setup.h"
#include "libllmedit/jobs/qa_data.h"
#include "libllmedit/model/loader.h"
#include "libllmedit/model/lora.h"
#include "libllmedit/report/summary.h"
#include "libllmedit/train/qa_collator.h"
#include "libllmedit/train/trainer.h"

namespace llmedit {

namespace {

void declare_unlearn_options(ConfigSchema& s) {
  s.option("data.forget", nlohmann::json::array(), "QA files with the items to forget (world JSONL, TOFU JSONL, KnowUnDo JSON)");
  s.option("data.forget_splits", nlohmann::json::array(), "keep only forget items of these splits (empty: all)");
  s.option("data.retain", nlohmann::json::array(), "QA files with the items to keep (for the retain terms and evaluation)");
  s.option("data.retain_splits", nlohmann::json::array(), "keep only retain items of these splits (empty: all)");
  s.option("data.max_length", 256, "tokens per item at most (the prompt is truncated first)");
  // Defaults from the ReLearn reference (config/forget_lora.yaml).
  declare_lora_options(s, true, 32, 32.0,
                       "train a LoRA adapter (the reference model is the adapter switched off); false: full "
                       "fine-tuning with a frozen copy of the model as the reference");
  s.option("eval.enabled", true, "after unlearning, answer the forget and retain questions (knowledge accuracy)");
  // eval.unlearning's sets default to data.forget and data.retain; with augmented forget items
  // (relearn), point eval.unlearning.forget at the original ones.
  declare_unlearning_options(s);
  declare_mc_options(s);
  s.option("eval.loss", true, "teacher-forced answer loss on forget and retain, before and after unlearning");
  declare_answer_options(s, "eval");
}

// method.name and the options of the method it names (unknown names fail here, listing the known).
void declare_method_options(ConfigSchema& s, const SchemaContext& context) {
  s.required("method.name", OptionType::String, "the unlearning method", context.methods.names(MethodFamily::Unlearn));
  if (!context.raw.contains("method") || !context.raw["method"].is_object()) return;
  const nlohmann::json& name = context.raw["method"].value("name", nlohmann::json());
  if (!name.is_string()) return;  // resolve_config names the missing or mistyped key
  context.methods.unlearner(name.get<std::string>(), context.source).declare(s);
}

// The method's factory checks its option values: build it once, before any work.
void validate_method(const nlohmann::json& resolved, const SchemaContext& context) {
  const auto& spec = context.methods.unlearner(config_get<std::string>(resolved, "method.name"), context.source);
  try {
    spec.create(resolved);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::Config) throw;
    throw config_error(context.source + ": " + e.what());
  }
}

std::vector<QAItem> read_set(const nlohmann::json& c, const std::string& key) {
  const auto files = config_get<std::vector<std::string>>(c, "data." + key);
  if (files.empty()) return {};
  return read_qa_files(files, config_get<std::vector<std::string>>(c, "data." + key + "_splits"), "data." + key);
}

nlohmann::json set_losses(CausalLM& model, const QACollator& collator, const std::vector<QAItem>& forget,
                          const std::vector<QAItem>& retain, const nlohmann::json& c) {
  const auto batch = config_get<int64_t>(c, "eval.batch_size");
  const auto max_items = config_get<int64_t>(c, "eval.max_items");
  auto first = [&](const std::vector<QAItem>& items) {
    return max_items > 0 && static_cast<int64_t>(items.size()) > max_items
               ? std::vector<QAItem>(items.begin(), items.begin() + max_items)
               : items;
  };
  nlohmann::json out = {{"forget", mean_answer_nll(model, collator, first(forget), batch)}};
  if (!retain.empty()) out["retain"] = mean_answer_nll(model, collator, first(retain), batch);
  return out;
}

// Forget items labelled "forget" and retain items "retain", whatever their files call them.
std::vector<KnowledgeItem> knowledge_items(const std::vector<QAItem>& forget, const std::vector<QAItem>& retain) {
  std::vector<KnowledgeItem> items;
  for (auto [set, name] : {std::pair{&forget, "forget"}, std::pair{&retain, "retain"}})
    for (KnowledgeItem item : to_knowledge_items(*set)) {
      item.split = name;
      items.push_back(std::move(item));
    }
  return items;
}

JobOutcome run_unlearn(JobContext& context) {
  const nlohmann::json& c = context.config;
  const std::string source = context.run.path("config.resolved.json");
  const std::string method = config_get<std::string>(c, "method.name");
  std::unique_ptr<Unlearner> unlearner = context.methods.unlearner(method, source).create(c);
  spdlog::info("method {} with {}", method, unlearner->options_json().dump());
  context.run.write_json("method_options.json", unlearner->options_json());

  TokenizerSetup tokenizer = load_tokenizer_from_config(c, source);
  QACollatorOptions collator_options;
  collator_options.max_length = config_get<int64_t>(c, "data.max_length");
  QACollator collator(*tokenizer.tokenizer, *tokenizer.chat_template, collator_options);
  const std::vector<QAItem> forget = read_set(c, "forget");
  if (forget.empty()) throw config_error(source + ": missing required key 'data.forget' (the QA files to forget)");
  const std::vector<QAItem> retain = read_set(c, "retain");

  std::unique_ptr<UnlearningEvaluator> evaluator;
  if (config_get<bool>(c, "eval.unlearning.enabled")) evaluator = std::make_unique<UnlearningEvaluator>(c, source, forget, retain);

  std::shared_ptr<CausalLM> model = load_model_from_config(c, source);
  std::optional<LoraAdapter> adapter = attach_lora_from_config(c, *model);
  const bool measure_loss = config_get<bool>(c, "eval.loss");
  model->eval();
  const nlohmann::json loss_before = measure_loss ? set_losses(*model, collator, forget, retain, c) : nlohmann::json();

  UnlearnInputs inputs;
  inputs.model = model.get();
  inputs.adapter = adapter ? &*adapter : nullptr;
  inputs.collator = &collator;
  inputs.forget = &forget;
  inputs.retain = &retain;
  inputs.hooks.checkpoint_dir = context.run.checkpoint_dir();
  inputs.hooks.log = [&](const nlohmann::json& record) { context.run.append_train_log(record); };
  inputs.hooks.interrupt = context.interrupt;
  const UnlearnOutcome result = unlearner->unlearn(inputs);
  JobOutcome outcome;
  outcome.interrupted = result.interrupted;
  if (result.interrupted) return outcome;

  model->eval();
  outcome.metrics["unlearn"] = {{"method", method},
                                {"forget_items", forget.size()},
                                {"retain_items", retain.size()},
                                {"steps", result.steps},
                                {"final_loss", result.final_loss},
                                {"seconds", result.seconds},
                                {"resumed_from_step", result.resumed_from},
                                {"trained_tensors", result.changed.size()}};
  if (measure_loss) {
    const nlohmann::json after = set_losses(*model, collator, forget, retain, c);
    for (const auto& [set, value] : after.items())
      outcome.metrics["answer_loss"][set] = {{"before", loss_before.at(set)}, {"after", value}};
  }
  save_trained_model(c, *model, adapter, tokenizer.path, context.run);
  EvalSections sections;
  if (config_get<bool>(c, "eval.enabled"))
    sections.add(evaluate_knowledge_section(*model, collator, knowledge_items(forget, retain),
                                            read_answer_options(c, "eval", config_get<uint64_t>(c, "seed")),
                                            config_get<int64_t>(c, "eval.max_items")));
  run_eval_sections(*model, tokenizer, collator, evaluator.get(), c, source, sections);
  context.run.write_predictions(sections.rows);
  outcome.metrics.update(sections.metrics);
  context.run.write_metrics(outcome.metrics);
  context.run.write_summary(summary_markdown("unlearn", c, outcome.metrics, {}) + sections.summary);
  return outcome;
}

}  // namespace

JobKind unlearn_job_kind() {
  JobKind kind;
  kind.name = "unlearn";
  kind.help = "remove the forget items' knowledge with a registered unlearning method (method.name)";
  kind.declare = declare_unlearn_options;
  kind.declare_dependent = declare_method_options;
  kind.validate = validate_method;
  kind.run = run_unlearn;
  return kind;
}

}  // namespace llmedit
