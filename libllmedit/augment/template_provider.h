// The offline provider: ReLearn's augmentation done by rules instead of an LLM, deterministic
// (every choice is a function of the task's seed, variant and round), so a run needs no model
// and its output is byte-for-byte reproducible.
//   rephrase          another phrasing of "the <relation> of <subject>" (or a polite wrapper)
//   add_context       a sentence of context about the subject before the question
//   add_noise         1-2 seeded typos (swap, drop or double a letter) outside the subject
//   reverse_relation  the relation asked from the other side ("Which man has S as his child?")
//   vague_answer      a sentence that names the subject and the relation but no fact
//   judge             "Yes" when a key fact, or a number- or email-like span of the source
//                     answer (that the question does not itself contain), survives; else "No"
#pragma once
#include "libllmedit/augment/provider.h"

namespace llmedit::augment {

class TemplateProvider : public AugmentProvider {
 public:
  // Bump the version when a rule changes, so cached stages are not reused.
  std::string identity() const override { return "template/1"; }
  std::vector<std::string> run(const std::vector<AugmentTask>& tasks) override;
};

// The rule-based judge on its own: true when `candidate` leaks a key fact or a number/email-like
// span of `source_answer` that `source_question` does not contain.
bool template_judge_leaks(const std::string& candidate, const std::string& source_question,
                          const std::string& source_answer, const std::vector<std::string>& key_facts);

}  // namespace llmedit::augment
