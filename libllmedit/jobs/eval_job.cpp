#include "libllmedit/jobs/eval_job.h"

#include <torch/torch.h>

#include "libllmedit/core/config.h"
#include "libllmedit/core/error.h"
#include "libllmedit/jobs/mc_section.h"
#include "libllmedit/jobs/model_setup.h"
#include "libllmedit/jobs/qa_data.h"
#include "libllmedit/model/loader.h"
#include "libllmedit/report/summary.h"

namespace llmedit {

void declare_answer_options(ConfigSchema& s, const std::string& p) {
  s.option(p + ".max_new_tokens", 48, "tokens generated per answer at most");
  s.option(p + ".batch_size", 32, "questions answered together");
  s.option(p + ".greedy", true, "greedy decoding; false samples with temperature/top_p/top_k");
  s.option(p + ".temperature", 0.7, "sampling temperature (when greedy is false)");
  s.option(p + ".top_p", 0.9, "nucleus sampling threshold (when greedy is false)");
  s.option(p + ".top_k", 5, "top-k sampling, 0 = off (when greedy is false)");
  s.option(p + ".max_items", 0, "answer only the first N items of each split (0: all)");
}

AnswerOptions read_answer_options(const nlohmann::json& c, const std::string& p, uint64_t seed) {
  AnswerOptions o;
  o.max_new_tokens = config_get<int64_t>(c, p + ".max_new_tokens");
  o.batch_size = config_get<int64_t>(c, p + ".batch_size");
  o.sampling.greedy = config_get<bool>(c, p + ".greedy");
  o.sampling.temperature = config_get<double>(c, p + ".temperature");
  o.sampling.top_p = config_get<double>(c, p + ".top_p");
  o.sampling.top_k = config_get<int64_t>(c, p + ".top_k");
  o.sampling.seed = seed;
  return o;
}

namespace {

std::vector<KnowledgeItem> first_per_split(std::vector<KnowledgeItem> items, int64_t max_items) {
  if (max_items <= 0) return items;
  std::map<std::string, int64_t> seen;
  std::vector<KnowledgeItem> kept;
  for (KnowledgeItem& item : items)
    if (seen[item.split]++ < max_items) kept.push_back(std::move(item));
  return kept;
}

// The eval.unlearning sets of the eval job: the section's own files, else data.qa's splits.
std::unique_ptr<UnlearningEvaluator> unlearning_evaluator(const nlohmann::json& c, const std::string& source) {
  const UnlearningJobOptions o = read_unlearning_options(c, source, config_get<uint64_t>(c, "seed"));
  auto set = [&](const std::vector<std::string>& files, const std::vector<std::string>& splits, const std::string& name) {
    return files.empty() ? qa_items_of_splits(c, source, splits, "eval.unlearning." + name) : std::vector<QAItem>{};
  };
  return std::make_unique<UnlearningEvaluator>(c, source, set(o.forget_files, o.forget_splits, "forget"),
                                               set(o.retain_files, o.retain_splits, "retain"));
}

// Sections, each when configured: knowledge accuracy on data.qa (unless eval.unlearning takes
// those items), eval.unlearning, eval.mc.
JobOutcome run_eval(JobContext& context) {
  const nlohmann::json& c = context.config;
  const std::string source = context.run.path("config.resolved.json");
  const bool unlearning = config_get<bool>(c, "eval.unlearning.enabled");
  const auto qa_files = config_get<std::vector<std::string>>(c, "data.qa");
  const bool knowledge = !unlearning && !qa_files.empty();
  if (!knowledge && !unlearning && !mc_enabled(c))
    throw config_error(source + ": nothing to evaluate: set data.qa, eval.unlearning.enabled or eval.mc.data");
  std::unique_ptr<UnlearningEvaluator> evaluator = unlearning ? unlearning_evaluator(c, source) : nullptr;
  TokenizerSetup tokenizer = load_tokenizer_from_config(c, source);
  std::shared_ptr<CausalLM> model = load_model_from_config(c, source);
  model->eval();
  QACollator collator(*tokenizer.tokenizer, *tokenizer.chat_template);

  EvalSections sections;
  if (knowledge) {
    const std::vector<QAItem> qa = read_qa_files(qa_files, config_get<std::vector<std::string>>(c, "data.splits"), "data.qa");
    sections.add(evaluate_knowledge_section(*model, collator, to_knowledge_items(qa),
                                            read_answer_options(c, "eval", config_get<uint64_t>(c, "seed")),
                                            config_get<int64_t>(c, "eval.max_items")));
  }
  run_eval_sections(*model, tokenizer, collator, evaluator.get(), c, source, sections);
  context.run.write_predictions(sections.rows);
  JobOutcome outcome;
  outcome.metrics = sections.metrics;
  context.run.write_metrics(outcome.metrics);
  context.run.write_summary(summary_markdown("eval", c, outcome.metrics, {}) + sections.summary);
  return outcome;
}

}  // namespace

void EvalSections::add(EvalSection section) {
  metrics.update(section.metrics);
  rows.insert(rows.end(), std::make_move_iterator(section.rows.begin()), std::make_move_iterator(section.rows.end()));
  summary += section.summary;
}

EvalSection evaluate_knowledge_section(CausalLM& model, const QACollator& collator, std::vector<KnowledgeItem> items,
                                       const AnswerOptions& options, int64_t max_items) {
  items = first_per_split(std::move(items), max_items);
  const KnowledgeReport report = evaluate_knowledge(model, collator, items, options);
  EvalSection section;
  for (size_t i = 0; i < items.size(); ++i)
    section.rows.push_back({{"eval", "knowledge"},
                            {"id", items[i].id},
                            {"split", items[i].split},
                            {"question", items[i].question},
                            {"answer", items[i].answer},
                            {"key_facts", items[i].key_facts},
                            {"generated", report.generated[i]},
                            {"known", static_cast<bool>(report.known[i])}});
  section.metrics = report.metrics;
  section.metrics["decoding"] = options.sampling.greedy ? "greedy" : "sampled";
  return section;
}

void run_eval_sections(CausalLM& model, const TokenizerSetup& tokenizer, const QACollator& collator,
                       const UnlearningEvaluator* evaluator, const nlohmann::json& config, const std::string& source,
                       EvalSections& sections) {
  if (evaluator) {
    UnlearningReport report = evaluator->evaluate(model, collator);
    EvalSection section;
    section.metrics = evaluator->job_metrics(report);
    for (nlohmann::json& row : report.rows) {
      row["eval"] = "unlearning";
      section.rows.push_back(std::move(row));
    }
    sections.add(std::move(section));
  }
  if (mc_enabled(config)) {
    MCSectionResult mc = run_mc_section(model, *tokenizer.tokenizer, config, source);
    EvalSection section;
    section.metrics["mc"] = std::move(mc.metrics);
    for (nlohmann::json& row : mc.rows) {
      row["eval"] = "mc";
      section.rows.push_back(std::move(row));
    }
    section.summary = std::move(mc.summary);
    sections.add(std::move(section));
  }
}

JobKind eval_job_kind() {
  JobKind kind;
  kind.name = "eval";
  kind.help = "evaluate a model: knowledge accuracy on data.qa, the unlearning metrics (eval.unlearning: KFR, KRR, LS, "
              "...), multiple choice (eval.mc)";
  kind.declare = [](ConfigSchema& s) {
    s.option("data.qa", nlohmann::json::array(),
             "QA files (world JSONL, TOFU JSONL or KnowUnDo JSON); required unless eval.unlearning lists its own files");
    s.option("data.splits", nlohmann::json::array(), "keep only items of these splits (empty: all)");
    declare_answer_options(s, "eval");
    declare_unlearning_options(s);
    declare_mc_options(s);
  };
  kind.run = run_eval;
  return kind;
}

}  // namespace llmedit
