// job "eval": answer QA questions and report what the model knows (knowledge accuracy per split);
// with eval.unlearning.enabled, the unlearning evaluation (KFR, KRR, LS, ROUGE, TOFU's metrics,
// entropy) of a forget and a retain set instead.
#pragma once
#include <nlohmann/json.hpp>

#include <string>

#include "libllmedit/core/config.h"
#include "libllmedit/eval/knowledge.h"
#include "libllmedit/eval/unlearning_eval.h"
#include "libllmedit/jobs/job_registry.h"

namespace llmedit {

JobKind eval_job_kind();

// Declares <prefix>.max_new_tokens, .batch_size, .greedy, .temperature, .top_p, .top_k and
// .max_items: the answering options the eval and train jobs share.
void declare_answer_options(ConfigSchema& schema, const std::string& prefix);
AnswerOptions read_answer_options(const nlohmann::json& config, const std::string& prefix, uint64_t seed);

// Answers the items, writes predictions.jsonl, returns the metrics.
nlohmann::json evaluate_knowledge_into(CausalLM& model, const QACollator& collator, std::vector<KnowledgeItem> items,
                                       const AnswerOptions& options, int64_t max_items, const RunFolder& run);

// The eval.unlearning section, read in one place. Model paths are empty when not set.
struct UnlearningJobOptions {
  bool enabled = false;
  std::vector<std::string> forget_files, retain_files;    // empty: data.qa items by split
  std::vector<std::string> forget_splits, retain_splits;
  int64_t max_items = 0;                                  // per set; 0: all
  std::string extractor;                                  // keyfacts | heuristic | llm
  std::string llm_model;                                  // the llm extractor's local model
  int64_t llm_max_new_tokens = 64;
  std::string embedder, embedder_path;                    // ngram | bert (+ sentence-encoder folder)
  std::string nli_model;                                  // empty: the NLI clause is dropped
  std::string scorer_model;                               // empty: the evaluated model scores PPL
  UnlearningEvalOptions eval;
};

void declare_unlearning_options(ConfigSchema& schema);
// Throws a config error naming the key (and `source`) on inconsistent settings.
UnlearningJobOptions read_unlearning_options(const nlohmann::json& config, const std::string& source, uint64_t seed);

}  // namespace llmedit
