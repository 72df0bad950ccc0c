// job "eval": evaluate a model as it is, in sections, each when configured:
//   knowledge   answer data.qa's questions; knowledge accuracy per split (all key facts present)
//   unlearning  eval.unlearning: KFR, KRR, LS, ROUGE, TOFU's metrics, entropy (unlearning_section.h)
//   mc          eval.mc: multiple-choice accuracy (mc_section.h)
// The unlearn job runs the same sections after training.
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "libllmedit/core/config.h"
#include "libllmedit/eval/knowledge.h"
#include "libllmedit/jobs/job_registry.h"
#include "libllmedit/jobs/model_setup.h"
#include "libllmedit/jobs/unlearning_section.h"

namespace llmedit {

JobKind eval_job_kind();

// Declares <prefix>.max_new_tokens, .batch_size, .greedy, .temperature, .top_p, .top_k and
// .max_items: the answering options the eval and train jobs share.
void declare_answer_options(ConfigSchema& schema, const std::string& prefix);
AnswerOptions read_answer_options(const nlohmann::json& config, const std::string& prefix, uint64_t seed);

// What one section adds to a run: metrics.json keys, predictions.jsonl rows (each with an
// "eval" field naming its section), summary.md text beyond the metrics table.
struct EvalSection {
  nlohmann::json metrics = nlohmann::json::object();
  std::vector<nlohmann::json> rows;
  std::string summary;
};

struct EvalSections : EvalSection {
  void add(EvalSection section);
};

// Answers the items (the first max_items of each split; 0: all).
EvalSection evaluate_knowledge_section(CausalLM& model, const QACollator& collator, std::vector<KnowledgeItem> items,
                                       const AnswerOptions& options, int64_t max_items);

// The unlearning section (when `evaluator` is given) and the mc section (when eval.mc.data is set).
void run_eval_sections(CausalLM& model, const TokenizerSetup& tokenizer, const QACollator& collator,
                       const UnlearningEvaluator* evaluator, const nlohmann::json& config, const std::string& source,
                       EvalSections& sections);

}  // namespace llmedit
