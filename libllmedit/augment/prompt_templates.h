// The LLM providers' prompts, read at run time from a JSON file (data/prompts/relearn_augment.json)
// so they can be changed without a rebuild. One entry per task kind:
//   {"rephrase": {"system": "...", "user": "... {question} ...", "temperature": 0.8}, ...}
// "system" is optional, "user" required; "temperature" and "max_tokens" optionally override the
// job's sampling for that kind (the judge, for instance, is read greedily). Placeholders:
// {question}, {answer}, {subject}; any other {name} is an error, so a typo cannot slip through.
#pragma once
#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>

#include "libllmedit/augment/provider.h"

namespace llmedit::augment {

struct PromptTemplate {
  std::string system, user;
  std::optional<double> temperature;
  std::optional<int64_t> max_tokens;
};

struct PromptTemplates {
  std::string path;
  std::map<std::string, PromptTemplate> by_kind;
  nlohmann::json raw;  // the file's content, for cache keys
};

// The kinds every prompt file must define: the four question variants, vague_answer and judge.
std::vector<std::string> prompt_kinds();

// Throws data_error naming the file and the key on a missing file, bad JSON, a missing kind or
// field, a wrong type or an unknown placeholder.
PromptTemplates read_prompt_templates(const std::string& path);

// `text` with {question}, {answer} and {subject} replaced by the task's fields.
std::string fill_prompt(const std::string& text, const AugmentTask& task);

}  // namespace llmedit::augment
