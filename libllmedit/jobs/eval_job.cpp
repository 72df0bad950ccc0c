#include "libllmedit/jobs/eval_job.h"

#include <torch/torch.h>

#include "libllmedit/core/config.h"
#include "libllmedit/jobs/model_setup.h"
#include "libllmedit/jobs/qa_data.h"
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

JobOutcome run_eval(JobContext& context) {
  const nlohmann::json& c = context.config;
  const std::string source = context.run.path("config.resolved.json");
  const std::vector<QAItem> qa = read_qa_files(config_get<std::vector<std::string>>(c, "data.qa"),
                                               config_get<std::vector<std::string>>(c, "data.splits"), "data.qa");
  TokenizerSetup tokenizer = load_tokenizer_from_config(c, source);
  std::shared_ptr<CausalLM> model = load_model_from_config(c, source);
  model->eval();
  QACollator collator(*tokenizer.tokenizer, *tokenizer.chat_template);
  const AnswerOptions options = read_answer_options(c, "eval", config_get<uint64_t>(c, "seed"));
  JobOutcome outcome;
  outcome.metrics = evaluate_knowledge_into(*model, collator, to_knowledge_items(qa), options,
                                            config_get<int64_t>(c, "eval.max_items"), context.run);
  context.run.write_metrics(outcome.metrics);
  context.run.write_summary(summary_markdown("eval", c, outcome.metrics, {}));
  return outcome;
}

}  // namespace

nlohmann::json evaluate_knowledge_into(CausalLM& model, const QACollator& collator, std::vector<KnowledgeItem> items,
                                       const AnswerOptions& options, int64_t max_items, const RunFolder& run) {
  items = first_per_split(std::move(items), max_items);
  const KnowledgeReport report = evaluate_knowledge(model, collator, items, options);
  std::vector<nlohmann::json> rows;
  for (size_t i = 0; i < items.size(); ++i)
    rows.push_back({{"id", items[i].id},
                    {"split", items[i].split},
                    {"question", items[i].question},
                    {"answer", items[i].answer},
                    {"key_facts", items[i].key_facts},
                    {"generated", report.generated[i]},
                    {"known", static_cast<bool>(report.known[i])}});
  run.write_predictions(rows);
  nlohmann::json metrics = report.metrics;
  metrics["decoding"] = options.sampling.greedy ? "greedy" : "sampled";
  return metrics;
}

JobKind eval_job_kind() {
  JobKind kind;
  kind.name = "eval";
  kind.help = "answer QA questions and report knowledge accuracy per split";
  kind.declare = [](ConfigSchema& s) {
    s.required("data.qa", OptionType::Array, "QA files (world JSONL, TOFU JSONL or KnowUnDo JSON)");
    s.option("data.splits", nlohmann::json::array(), "keep only items of these splits (empty: all)");
    declare_answer_options(s, "eval");
  };
  kind.run = run_eval;
  return kind;
}

}  // namespace llmedit
