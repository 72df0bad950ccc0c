// The unlearning evaluation of DESIGN.md §5 (ReLearn's metrics plus ROUGE, TOFU's likelihood
// metrics, next-token entropy and knowledge accuracy) over a forget set and a retain set:
// generate an answer per question (ReLearn's sampling settings by default, prompts exactly as in
// training), then score every answer. Per-item rows for predictions.jsonl, aggregates for
// metrics.json.
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "libllmedit/data/qa_dataset.h"
#include "libllmedit/eval/entity_extraction.h"
#include "libllmedit/eval/entity_similarity.h"
#include "libllmedit/eval/forgetting_metrics.h"
#include "libllmedit/eval/knowledge.h"
#include "libllmedit/eval/nli.h"
#include "libllmedit/eval/text_embedding.h"

namespace llmedit {

struct UnlearningEvalOptions {
  AnswerOptions generation;       // see relearn_generation_defaults()
  SimilarityOptions similarity;
  ForgettingOptions forgetting;
  int64_t score_batch_size = 16;  // sequences per forward pass when scoring likelihoods
};

// Temperature 0.7, top-p 0.9, top-k 5, 128 new tokens, sampled with `seed` (ReLearn's evaluation).
AnswerOptions relearn_generation_defaults(uint64_t seed);

// The models and scorers an evaluation uses; pointers are not owned.
struct UnlearningScorers {
  CausalLM* model = nullptr;                   // the model under evaluation
  const QACollator* collator = nullptr;        // its prompt format (as in training)
  CausalLM* scorer = nullptr;                  // perplexity for LS; the model itself by default
  const QACollator* scorer_collator = nullptr;
  const EntityExtractor* extractor = nullptr;
  const Embedder* embedder = nullptr;
  const NliModel* nli = nullptr;               // null: the NLI clause of KFR/KRR is dropped
};

struct UnlearningReport {
  std::vector<nlohmann::json> rows;  // one per item: forget items first, then retain items
  nlohmann::json metrics;            // {"KFR", "KRR", "LS_forget", "LS_retain", "forget": {...}, "retain": {...}, ...}
};

UnlearningReport evaluate_unlearning(const UnlearningScorers& scorers, const std::vector<QAItem>& forget,
                                     const std::vector<QAItem>& retain, const UnlearningEvalOptions& options);

// Each reported metric with the formula it computes (for reports and `metrics --list`).
nlohmann::json unlearning_metric_formulas();

}  // namespace llmedit
