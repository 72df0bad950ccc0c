// The ReLearn data pipeline (Xu et al. 2025, "ReLearn: Unlearning via Learning for Large Language
// Models", §3.1 and the reference's dataAugument/), each stage a function whose output is cached
// (stage_cache.h):
//   1. question_variants  per forget question: rephrase, add context, add noise, reverse relation
//                         (a variant that lost the subject is dropped)
//   2. vague_answers      per question (the original and each variant), the original answer split
//                         into chunks (800 characters by default), one vague subject-keeping
//                         answer per chunk
//   3. verify_answers     a judge must answer "No" (no private data left) and the first chunk must
//                         name the subject; a failing chunk is regenerated, at most
//                         max_judge_rounds generations in all, then dropped
//   4. diversify          foreign-script filter, sentence completion for a fraction of the pairs,
//                         an optional general-QA mix
// Each answer is paired with its OWN question: the reference gathers question_variants[i] with
// answer_variants[i], whose first entry answers the original question, so every variant gets its
// predecessor's answer; here a pair is built from one question record. The original sensitive
// pair is left out unless include_original.
//
// This lives in libllmedit (not methods/) because jobs may not include methods/.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "libllmedit/augment/provider.h"
#include "libllmedit/augment/stage_cache.h"
#include "libllmedit/core/interrupt.h"
#include "libllmedit/data/qa_dataset.h"

namespace llmedit::augment {

struct AugmentOptions {
  std::vector<std::string> kinds = question_variant_kinds();  // question variants to generate
  int64_t variants_per_kind = 1;
  int64_t chunk_chars = 800;         // answers are rewritten in chunks of at most this many characters
  int64_t max_judge_rounds = 3;      // generations per chunk before it is dropped
  double completion_fraction = 0.25; // share of the pairs that also become a sentence-completion item
  double completion_split = 0.25;    // share of the answer's words that becomes the completion prompt
  bool include_original = false;     // keep the original (sensitive) pair too
  double general_qa_ratio = 1.2;     // general QA items per augmented forget item (with general items given)
  bool script_filter = true;         // drop pairs with letters of scripts the input does not use
  uint64_t seed = 0;
  int64_t batch_size = 16;           // tasks per provider call (one progress-bar step)
  bool progress = true;
  // Checked before every provider call: once it is requested, the pipeline throws Interrupted.
  const InterruptGuard* interrupt = nullptr;
  // Where each provider call's replies are appended as they arrive (the run's checkpoints), so an
  // interrupted run resumes at the call it stopped before; "" keeps none.
  std::string journal_dir;
};

// One output item. kind: "vague" (the original question with a vague answer), a question-variant
// kind, "original", "completion" or "general".
struct AugmentedItem {
  std::string id, question, answer, subject, kind, source_id;
};

// A forget item as the stages see it.
struct SourceItem {
  std::string id, question, answer, subject;
  std::vector<std::string> key_facts;
};

// Stage 1's output for one item: questions[0] is the original question (kind "vague").
struct Question {
  std::string kind;
  int64_t variant = 0;
  std::string text;
};
struct ItemQuestions {
  std::string source_id;
  std::vector<Question> questions;
};

// Stages 2-3: one answer chunk for one question of one item.
struct Draft {
  int64_t item = 0, question = 0, chunk = 0;
  std::string text;
  int64_t rounds = 1;     // generations it took
  bool accepted = false;  // passed the judge (stage 3)
};

// Shared by the stages: the provider, the cache, the options, and what was done.
class PipelineContext {
 public:
  PipelineContext(AugmentProvider& provider, StageCache& cache, AugmentOptions options, nlohmann::json prompts);

  // The provider's replies to `tasks`, in batches with a progress bar labelled `label`.
  std::vector<std::string> ask(const std::vector<AugmentTask>& tasks, const std::string& label);
  // compute() or its cached result; the key gets the stage, the provider and the prompts added.
  nlohmann::json cached(const std::string& stage, nlohmann::json key, const std::function<nlohmann::json()>& compute);

  const AugmentOptions& options() const { return options_; }
  int64_t requests() const { return requests_; }  // provider tasks run so far
  int64_t replayed() const { return replayed_; }  // replies read back from an interrupted run's journal
  const nlohmann::json& cache_report() const { return cache_report_; }  // stage -> "hit" | "miss" | "off"

 private:
  AugmentProvider& provider_;
  StageCache& cache_;
  AugmentOptions options_;
  // The file that journals ask(tasks, label)'s replies ("" without options.journal_dir).
  std::string journal_path(const std::vector<AugmentTask>& tasks, const std::string& label) const;

  nlohmann::json prompts_;
  int64_t requests_ = 0;
  int64_t replayed_ = 0;
  nlohmann::json cache_report_ = nlohmann::json::object();
};

// Source items with their subjects (find_subject) and ids ("item<i>" when the item has none).
std::vector<SourceItem> source_items(const std::vector<QAItem>& forget);

// Each stage returns its result and fills `stats` (also cached, so a rerun reports the same).
std::vector<ItemQuestions> question_variants(PipelineContext& context, const std::vector<SourceItem>& items,
                                             nlohmann::json& stats);
std::vector<Draft> vague_answers(PipelineContext& context, const std::vector<SourceItem>& items,
                                 const std::vector<ItemQuestions>& questions, nlohmann::json& stats);
std::vector<Draft> verify_answers(PipelineContext& context, const std::vector<SourceItem>& items,
                                  const std::vector<ItemQuestions>& questions, const std::vector<Draft>& drafts,
                                  nlohmann::json& stats);
// Pairs from verified drafts (a question whose chunks all passed), plus the originals when asked.
std::vector<AugmentedItem> assemble_pairs(const std::vector<SourceItem>& items, const std::vector<ItemQuestions>& questions,
                                          const std::vector<Draft>& verified, bool include_original, nlohmann::json& stats);
std::vector<AugmentedItem> diversify(PipelineContext& context, const std::vector<SourceItem>& items,
                                     const std::vector<AugmentedItem>& pairs, const std::vector<QAItem>& general,
                                     nlohmann::json& stats);

struct AugmentResult {
  std::vector<AugmentedItem> items;
  nlohmann::json stats;  // per stage, the provider requests made and the cache report
};

// All stages in order. `prompts` identifies the prompt templates in cache keys (null for the
// template provider). `general` may be empty (no general-QA mix).
AugmentResult run_augment_pipeline(const std::vector<QAItem>& forget, const std::vector<QAItem>& general,
                                   AugmentProvider& provider, StageCache& cache, const AugmentOptions& options,
                                   const nlohmann::json& prompts);

}  // namespace llmedit::augment
