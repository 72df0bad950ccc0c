// AToKe temporal-editing cases (SE, ME and EE files share one schema; see DESIGN.md section 5).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace llmedit {

// An object of a fact: {"str": "Arsenal F.C.", "id": "<6zNA4ZR7x?>"}; `id` may be absent (empty).
struct AtokeEntity {
  std::string str;
  std::string id;
  bool operator==(const AtokeEntity& o) const { return str == o.str && id == o.id; }
};

// A validity interval in years: {"since": 1947, "until": 1948, "gptj": false}. `gptj` (whether
// the fact is inside GPT-J's knowledge) is optional in the files and kept only when present.
struct AtokeInterval {
  int64_t since = 0;
  int64_t until = 0;
  std::optional<bool> gptj;
  bool operator==(const AtokeInterval& o) const {
    return since == o.since && until == o.until && gptj == o.gptj;
  }
};

// The evaluation prompts of one step (all strings in the files), also the shape of each
// "history_evaluation" entry.
struct AtokeEvaluation {
  std::string completion;
  std::string questions;
  std::string paraphrase_completion;
  std::string time_completion;
  std::string time_questions;
  std::string paraphrase_time_completion;
  bool operator==(const AtokeEvaluation& o) const;
};

// One entry of "requested_rewrite": `prompt` and `time_prompt` hold "{}" for the subject.
struct AtokeStep {
  std::string prompt;
  std::string time_prompt;
  std::string subject;
  std::string relation;     // e.g. "<playsFor>"; optional (empty when absent)
  std::string relation_id;  // e.g. "<Xu7>"; optional (empty when absent)
  AtokeEntity target_new;
  AtokeEntity target_true;
  AtokeInterval time_new;
  AtokeInterval time_true;
  AtokeEvaluation evaluation;
  bool operator==(const AtokeStep& o) const;
};

// One case. Per-step lists have one entry per step of `requested_rewrite`: answer[i] and
// new_answer[i] are the gold objects (a list each) before/after step i, with alias lists of
// the same shape. SE/EE cases have one step; EE cases have no history_evaluation.
struct AtokeCase {
  int64_t case_id = 0;
  std::vector<AtokeStep> requested_rewrite;
  std::vector<AtokeEvaluation> history_evaluation;  // empty when absent (EE)
  std::vector<std::vector<std::string>> answer;
  std::vector<std::vector<std::string>> answer_alias;      // empty when absent
  std::vector<std::vector<std::string>> new_answer;
  std::vector<std::vector<std::string>> new_answer_alias;  // empty when absent
  bool operator==(const AtokeCase& o) const;
  bool operator!=(const AtokeCase& o) const { return !(*this == o); }
};

// Reads a JSON array of cases. A "requested_rewrite" given as one object counts as one step, and
// an "answer"-style field given as a flat list of strings as one group. Per-step lists must have
// one entry per step. Unknown fields are ignored. Throws data_error naming the file, the case
// (case_id, or index when case_id itself is bad), the field path and the value.
std::vector<AtokeCase> read_atoke_file(const std::string& path);

// Writes the cases atomically in the example file's layout (optional fields only when present);
// read_atoke_file reads it back to equal cases.
void write_atoke_file(const std::string& path, const std::vector<AtokeCase>& cases);

}  // namespace llmedit
