// The eval.unlearning config section (KFR, KRR, LS, ROUGE, TOFU's metrics, entropy), shared by
// the jobs that evaluate unlearning: eval (a model as it is), unlearn (after training) and audit
// (after quantizing or relearning). Scorers and item sets are loaded once; any number of models
// are then evaluated with them.
#pragma once
#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "libllmedit/core/config.h"
#include "libllmedit/data/qa_dataset.h"
#include "libllmedit/eval/unlearning_eval.h"
#include "libllmedit/train/qa_collator.h"

namespace llmedit {

// The eval.unlearning section, read in one place. Model paths are empty when not set.
struct UnlearningJobOptions {
  bool enabled = false;
  std::vector<std::string> forget_files, retain_files;    // empty: the job's own forget/retain items
  std::vector<std::string> forget_splits, retain_splits;  // of data.qa (eval job)
  int64_t max_items = 0;                                  // per set; 0: all
  std::string extractor;                                  // keyfacts | heuristic | llm
  std::string llm_provider;                               // the llm extractor's: local | openai
  std::string llm_model;                                  // eval.unlearning.llm.model: a folder or a model id
  int64_t llm_max_new_tokens = 64;
  std::string embedder, embedder_path;                    // ngram | bert (+ sentence-encoder folder)
  std::string nli_model;                                  // empty: the NLI clause is dropped
  std::string scorer_model;                               // empty: the evaluated model scores PPL
  UnlearningEvalOptions eval;
};

void declare_unlearning_options(ConfigSchema& schema);
// Throws a config error naming the key (and `source`) on inconsistent settings.
UnlearningJobOptions read_unlearning_options(const nlohmann::json& config, const std::string& source, uint64_t seed);

class UnlearningEvaluator {
 public:
  // Reads eval.unlearning from the resolved `config`. The forget (retain) set is the section's
  // own files when it lists some, else `default_forget` (`default_retain`): the eval job passes
  // data.qa's items of forget_splits/retain_splits, the unlearn job its data.forget/data.retain.
  // Config errors name `source` and the key.
  UnlearningEvaluator(const nlohmann::json& config, const std::string& source, std::vector<QAItem> default_forget,
                      std::vector<QAItem> default_retain);
  ~UnlearningEvaluator();

  const UnlearningJobOptions& options() const { return options_; }
  const std::vector<QAItem>& forget() const { return forget_; }
  const std::vector<QAItem>& retain() const { return retain_; }

  // Generates and scores the answers of `model` (prompted through `collator`).
  UnlearningReport evaluate(CausalLM& model, const QACollator& collator) const;
  // metrics.json's layout: {"unlearning": report, "knowledge_accuracy", "items", "decoding"}.
  nlohmann::json job_metrics(const UnlearningReport& report) const;

 private:
  struct Scorers;
  UnlearningJobOptions options_;
  std::vector<QAItem> forget_, retain_;
  std::unique_ptr<Scorers> scorers_;
};

// data.qa's items of `splits` (the eval job's default sets); a config error naming `key` when
// data.qa is empty.
std::vector<QAItem> qa_items_of_splits(const nlohmann::json& config, const std::string& source,
                                       const std::vector<std::string>& splits, const std::string& key);

}  // namespace llmedit
