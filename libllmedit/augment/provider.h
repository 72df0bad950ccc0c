// Who writes the augmented text: one request per task, answered in order. Providers:
//   template  offline rules, deterministic (template_provider.h)
//   local / openai  a ChatModel prompted with the templates of data/prompts (chat_provider.h)
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace llmedit::augment {

// The task kinds, one per prompt template.
//   question variants: rephrase, add_context, add_noise, reverse_relation (reply: a question)
//   vague_answer: the answer chunk rewritten to keep the subject and drop the sensitive facts
//   judge: does the candidate still leak private data? (reply ends in "Yes" or "No")
inline const std::vector<std::string>& question_variant_kinds() {
  static const std::vector<std::string> kinds = {"rephrase", "add_context", "add_noise", "reverse_relation"};
  return kinds;
}
inline const char* const kVagueAnswer = "vague_answer";
inline const char* const kJudge = "judge";

struct AugmentTask {
  std::string kind;
  std::string question;  // the question to vary, or the one the answer is for
  std::string answer;    // vague_answer: the original answer's chunk; judge: the candidate answer
  std::string subject;   // who the item is about ("" when none was found)
  // Evidence for rule-based judging and templates: the source item's own question, answer
  // (the chunk, for a judge) and key facts. LLM prompts use only the fields above.
  std::string source_question;
  std::string source_answer;
  std::vector<std::string> key_facts;
  int64_t variant = 0;  // which of the variants of this kind (0, 1, ...)
  int64_t chunk = 0;    // vague_answer, judge: which chunk of the source answer
  int64_t round = 0;    // regeneration round after a failed judge (0: first try)
  // A function of the run seed and the item and question the task is for; `variant` and `round`
  // are left out so that a provider can step through its choices with them.
  uint64_t seed = 0;
};

class AugmentProvider {
 public:
  virtual ~AugmentProvider() = default;
  // Names the provider, its model and everything else that changes its replies (rules version,
  // sampling): part of every cache key.
  virtual std::string identity() const = 0;
  // One reply per task, in order.
  virtual std::vector<std::string> run(const std::vector<AugmentTask>& tasks) = 0;
};

// A judge's verdict: true when the reply's last "yes"/"no" word is "no" (no private data left).
// Anything else (yes, or neither word) fails, so an unreadable verdict never lets data through.
bool judge_passes(const std::string& reply);

}  // namespace llmedit::augment
