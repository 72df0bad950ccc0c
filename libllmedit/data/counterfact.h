// Fact-editing requests in the CounterFact layout (ROME/MEMIT/EasyEdit).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace llmedit {

// "Replace target_true by target_new for `subject` in `prompt`". The prompt holds "{}" exactly
// once, where the subject goes. Ids are CounterFact's Wikidata ids, empty when absent.
struct EditRequest {
  std::string prompt;
  std::string subject;
  std::string target_new;
  std::string target_true;
  std::string relation_id;     // optional
  std::string target_new_id;   // optional: target_new.id
  std::string target_true_id;  // optional: target_true.id
  bool operator==(const EditRequest& o) const;
};

// The prompt with the subject in place of "{}".
std::string filled_prompt(const EditRequest& request);

struct CounterFactCase {
  int64_t case_id = 0;
  EditRequest requested_rewrite;
  std::vector<std::string> paraphrase_prompts;    // optional in the file (empty when absent)
  std::vector<std::string> neighborhood_prompts;  // optional
  std::vector<std::string> generation_prompts;    // optional
  bool operator==(const CounterFactCase& o) const;
  bool operator!=(const CounterFactCase& o) const { return !(*this == o); }
};

// Reads a JSON array of cases: [{"case_id", "requested_rewrite": {"prompt", "subject",
// "target_new": {"str"}, "target_true": {"str"}, "relation_id"?}, "paraphrase_prompts"?, ...}].
// Unknown fields are ignored. Throws data_error naming the file, case_id (or index), the field
// and the value: missing fields, wrong types, a prompt without exactly one "{}", no cases.
std::vector<CounterFactCase> read_counterfact_file(const std::string& path);

// Writes the same layout atomically; optional fields only when non-empty.
void write_counterfact_file(const std::string& path, const std::vector<CounterFactCase>& cases);

}  // namespace llmedit
