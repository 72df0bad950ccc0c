// Does the model know its facts? Answer each question (greedy by default) and check that the
// answer contains every key fact of the item: the "knowledge accuracy" of the quickstart.
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "libllmedit/generate/sampling.h"
#include "libllmedit/model/causal_lm.h"
#include "libllmedit/train/qa_collator.h"

namespace llmedit {

struct KnowledgeItem {
  std::string id, split, question, answer;
  std::vector<std::string> key_facts;  // empty: the whole ground-truth answer must appear
};

struct AnswerOptions {
  int64_t max_new_tokens = 48;
  int64_t batch_size = 32;
  SamplingOptions sampling;  // greedy by default
  bool progress = true;
};

// Lower-cased (ASCII), punctuation other than '@', '-', '.' inside tokens kept, whitespace
// collapsed: "Tarvesk." and "tarvesk" match.
std::string normalize_for_match(const std::string& text);

// True when the normalized answer contains every normalized key fact (or the normalized
// ground-truth answer when the item has no key facts).
bool answer_knows(const std::string& generated, const KnowledgeItem& item);

// The decoded answers (special tokens skipped, trimmed), in the order of `questions`. Prompts
// are built by the collator exactly as in training and batched by length.
std::vector<std::string> answer_questions(CausalLM& model, const QACollator& collator,
                                          const std::vector<std::string>& questions, const AnswerOptions& options);

struct KnowledgeReport {
  std::vector<std::string> generated;
  std::vector<bool> known;
  // {"knowledge_accuracy": {split: fraction}, "items": {split: count}, "overall": fraction}
  nlohmann::json metrics;
};

KnowledgeReport evaluate_knowledge(CausalLM& model, const QACollator& collator, const std::vector<KnowledgeItem>& items,
                                   const AnswerOptions& options);

}  // namespace llmedit
