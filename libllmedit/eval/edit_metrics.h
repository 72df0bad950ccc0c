// Edit metrics (DESIGN.md §5; ROME's CounterFact evaluation, Meng et al. 2022 §4.2, and
// EasyEdit's locality), measured on one CounterFact case before and after an edit:
//   efficacy      [P(target_new | prompt) > P(target_true | prompt)], P the mean per-token
//                 probability of the target's tokens (compared as mean log-probabilities)
//   paraphrase    the same comparison, averaged over the paraphrase prompts
//   neighborhood  for each neighborhood prompt + " " + target_true, teacher-forced: the
//                 fraction of target positions whose argmax token is the same after the edit
//                 as before; averaged over the prompts (1 = untouched)
//   fluency       n-gram entropy of the greedy generations from the generation prompts:
//                 mean over n ∈ {2, 3} of weight_n · H(n-grams of the words), weights 2/3 and
//                 4/3 (ROME's compute_n_gram_entropy), averaged over the prompts
//   exact_match   the greedy continuation of the prompt starts with target_new (_new) or
//                 target_true (_true), after normalization
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "libllmedit/data/counterfact.h"

namespace llmedit {

class CausalLM;
class Tokenizer;

struct EditMetricOptions {
  int64_t generation_tokens = 40;  // greedy tokens per generation prompt for fluency (0: skip)
  int64_t batch_size = 32;
};

// What the model says about one case at one moment.
struct CaseSnapshot {
  double logp_new = 0, logp_true = 0;  // mean log-probability per token on the rewrite prompt
  double efficacy = 0;                 // 0 or 1
  double paraphrase = 0;               // fraction of paraphrase prompts (NaN when none)
  std::vector<std::vector<int64_t>> neighborhood_argmax;  // per neighborhood prompt
  double fluency = 0;                  // NaN when no generation prompt or generation_tokens = 0
  std::string continuation;            // greedy continuation of the rewrite prompt
  bool exact_match_new = false, exact_match_true = false;
  nlohmann::json to_json() const;
};

CaseSnapshot snapshot_case(CausalLM& model, const Tokenizer& tokenizer, const CounterFactCase& c,
                           const EditMetricOptions& options);

// Mean over prompts of the fraction of positions where the argmax agrees (NaN with no prompts).
double neighborhood_agreement(const CaseSnapshot& before, const CaseSnapshot& after);

// Entropy measure of ROME's compute_n_gram_entropy on whitespace/punctuation-split words.
double ngram_entropy(const std::string& text);

// Means over the cases: {"efficacy", "paraphrase", "fluency", "exact_match_new",
// "exact_match_true"}, plus "neighborhood" when `after` is given (post-edit).
nlohmann::json summarize_snapshots(const std::vector<CaseSnapshot>& snapshots,
                                   const std::vector<CaseSnapshot>* before = nullptr);

// The same means per relation_id: {relation: {"requests", "pre", "post"}}. Null when the cases
// hold fewer than two relations (the overall means already say it all).
nlohmann::json summarize_by_relation(const std::vector<CounterFactCase>& cases, const std::vector<CaseSnapshot>& pre,
                                     const std::vector<CaseSnapshot>& post);

}  // namespace llmedit
