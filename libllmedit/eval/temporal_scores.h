// AToKe's measures of a temporal edit (Yin, Jiang, Yang, Wan, "History Matters: Temporal Knowledge
// Editing in Large Language Model", AAAI 2024, §3; DESIGN.md §5), asked after each step of a case:
//   CES    Current Explicit Score    evaluation.time_completion            → new_answer[step]
//   CES-P  its paraphrase            evaluation.paraphrase_time_completion → new_answer[step]
//   CRS    Current Relative Score    evaluation.completion                 → new_answer[step]
//   HES    Historical Explicit Score history_evaluation[step].time_completion → answer[step]
//   HRS    Historical Relative Score history_evaluation[step].completion      → answer[step]
//   HES*   every history_evaluation[j].time_completion → answer[j], asked once after the last step
// A case's score per measure is the mean over its steps (ME chains), a file's the mean over its
// cases. EE cases have no history_evaluation: current-side measures only.
// Scorers:
//   match  the greedy continuation (≤ max_new_tokens) contains the gold or one of its aliases as
//          whole words, both normalized (lower case, punctuation and the articles a/an/the
//          removed: SQuAD's normalize_answer); the primary scorer
//   nll    the gold's mean per-token NLL after the prompt is below the competitor's (the other
//          side's answer: answer[step] for current measures, new_answer[step] for historical ones)
#pragma once
#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "libllmedit/data/atoke.h"

namespace llmedit {

class CausalLM;
class Tokenizer;

enum class TemporalScorer { Match, Nll };
// "match" or "nll"; a config error naming `field` otherwise.
TemporalScorer parse_temporal_scorer(const std::string& name, const std::string& field);
const char* temporal_scorer_name(TemporalScorer scorer);

enum class TemporalMeasure { CES, CESP, CRS, HES, HRS, HESStar };
constexpr size_t kTemporalMeasures = 6;
const char* temporal_measure_name(TemporalMeasure measure);  // "CES", "CES-P", "CRS", "HES", "HRS", "HES*"

std::string normalize_answer(const std::string& text);
// Whether the normalized continuation holds a normalized gold as a run of whole words.
bool continuation_matches(const std::string& continuation, const std::vector<std::string>& golds);

// answers[step] followed by aliases[step] (when the file has aliases).
std::vector<std::string> with_aliases(const std::vector<std::vector<std::string>>& answers,
                                      const std::vector<std::vector<std::string>>& aliases, size_t step);

struct TemporalQuery {
  TemporalMeasure measure = TemporalMeasure::CES;
  size_t step = 0;  // the step (or history entry) it asks about
  std::string prompt;
  std::vector<std::string> golds;  // the answers and their aliases; golds[0] is the nll scorer's gold
  std::string competitor;          // the nll scorer's other answer
};

// The queries asked after step `step`: CES, CES-P, CRS, and HES, HRS when the case has history.
std::vector<TemporalQuery> step_queries(const AtokeCase& atoke_case, size_t step);
// HES*: each step's historical explicit-time question, asked once after the last step.
std::vector<TemporalQuery> final_history_queries(const AtokeCase& atoke_case);

// What answers queries: the model, or a stub in tests.
class TemporalAnswerer {
 public:
  virtual ~TemporalAnswerer() = default;
  virtual std::vector<std::string> continuations(const std::vector<std::string>& prompts) = 0;
  // Mean per-token NLL of each (prompt, answer) pair's answer after its prompt.
  virtual std::vector<double> mean_nll(const std::vector<std::pair<std::string, std::string>>& pairs) = 0;
};

// Greedy continuations and teacher-forced NLL from a causal model (prompts with BOS, as in training).
class ModelAnswerer : public TemporalAnswerer {
 public:
  ModelAnswerer(CausalLM& model, const Tokenizer& tokenizer, int64_t max_new_tokens, int64_t batch_size)
      : model_(model), tokenizer_(tokenizer), max_new_tokens_(max_new_tokens), batch_size_(batch_size) {}
  std::vector<std::string> continuations(const std::vector<std::string>& prompts) override;
  std::vector<double> mean_nll(const std::vector<std::pair<std::string, std::string>>& pairs) override;

 private:
  CausalLM& model_;
  const Tokenizer& tokenizer_;
  int64_t max_new_tokens_, batch_size_;
};

struct QueryResult {
  TemporalQuery query;
  std::string continuation;             // match scorer
  double gold_nll = 0, competitor_nll = 0;  // nll scorer
  bool correct = false;
  nlohmann::json to_json() const;
};

std::vector<QueryResult> score_queries(TemporalAnswerer& answerer, const std::vector<TemporalQuery>& queries,
                                       TemporalScorer scorer);

// Each measure with its formula (`llmedit metrics --list`).
nlohmann::json temporal_metric_formulas();

// Means per measure over cases, each case first averaged over its own results.
class TemporalScoreTable {
 public:
  void add_case(const std::vector<QueryResult>& results);
  // {"CES": mean, ..., "HES*": mean}; a measure no case had is null.
  nlohmann::json to_json() const;
  int64_t cases() const { return total_cases_; }

 private:
  std::array<double, kTemporalMeasures> sum_{};
  std::array<int64_t, kTemporalMeasures> cases_{};
  int64_t total_cases_ = 0;
};

}  // namespace llmedit
