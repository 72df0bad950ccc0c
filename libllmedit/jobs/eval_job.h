// job "eval": answer QA questions and report what the model knows (knowledge accuracy per split).
#pragma once
#include <nlohmann/json.hpp>

#include <string>

#include "libllmedit/core/config.h"
#include "libllmedit/eval/knowledge.h"
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

}  // namespace llmedit
