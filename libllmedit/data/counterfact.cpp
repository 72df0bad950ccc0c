#include "libllmedit/data/counterfact.h"

#include "libllmedit/core/atomic_file.h"
#include "libllmedit/core/error.h"
#include "libllmedit/data/text_corpus.h"

namespace llmedit {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

namespace {

size_t count_placeholders(const std::string& prompt) {
  size_t count = 0;
  for (size_t at = prompt.find("{}"); at != std::string::npos; at = prompt.find("{}", at + 2)) ++count;
  return count;
}

EditRequest read_request(const JsonFields& fields) {
  EditRequest r;
  r.prompt = fields.string("prompt");
  // ROME and MEMIT locate the subject through the single "{}"; anything else is a data bug.
  const size_t holes = count_placeholders(r.prompt);
  if (holes != 1)
    fields.fail("prompt", "must contain \"{}\" exactly once (found " + std::to_string(holes) + "): " +
                              describe_json(r.prompt));
  r.subject = fields.string("subject");
  r.relation_id = fields.optional_string("relation_id");
  const JsonFields target_new = fields.object("target_new");
  const JsonFields target_true = fields.object("target_true");
  r.target_new = target_new.string("str");
  r.target_new_id = target_new.optional_string("id");
  r.target_true = target_true.string("str");
  r.target_true_id = target_true.optional_string("id");
  return r;
}

CounterFactCase read_case(const json& value, const std::string& path, size_t index) {
  CounterFactCase c;
  c.case_id = JsonFields(value, path + ": case at index " + std::to_string(index)).integer("case_id");
  const JsonFields fields(value, path + ": case " + std::to_string(c.case_id));
  c.requested_rewrite = read_request(fields.object("requested_rewrite"));
  c.paraphrase_prompts = fields.optional_string_list("paraphrase_prompts");
  c.neighborhood_prompts = fields.optional_string_list("neighborhood_prompts");
  c.generation_prompts = fields.optional_string_list("generation_prompts");
  return c;
}

ojson target_json(const std::string& str, const std::string& id) {
  ojson out;
  out["str"] = str;
  if (!id.empty()) out["id"] = id;
  return out;
}

ojson to_json(const CounterFactCase& c) {
  const EditRequest& r = c.requested_rewrite;
  ojson request;
  request["prompt"] = r.prompt;
  if (!r.relation_id.empty()) request["relation_id"] = r.relation_id;
  request["target_new"] = target_json(r.target_new, r.target_new_id);
  request["target_true"] = target_json(r.target_true, r.target_true_id);
  request["subject"] = r.subject;
  ojson out;
  out["case_id"] = c.case_id;
  out["requested_rewrite"] = request;
  if (!c.paraphrase_prompts.empty()) out["paraphrase_prompts"] = c.paraphrase_prompts;
  if (!c.neighborhood_prompts.empty()) out["neighborhood_prompts"] = c.neighborhood_prompts;
  if (!c.generation_prompts.empty()) out["generation_prompts"] = c.generation_prompts;
  return out;
}

}  // namespace

bool EditRequest::operator==(const EditRequest& o) const {
  return prompt == o.prompt && subject == o.subject && target_new == o.target_new && target_true == o.target_true &&
         relation_id == o.relation_id && target_new_id == o.target_new_id && target_true_id == o.target_true_id;
}

bool CounterFactCase::operator==(const CounterFactCase& o) const {
  return case_id == o.case_id && requested_rewrite == o.requested_rewrite &&
         paraphrase_prompts == o.paraphrase_prompts && neighborhood_prompts == o.neighborhood_prompts &&
         generation_prompts == o.generation_prompts;
}

std::string filled_prompt(const EditRequest& request) {
  std::string text = request.prompt;
  const size_t at = text.find("{}");
  if (at != std::string::npos) text.replace(at, 2, request.subject);
  return text;
}

std::vector<CounterFactCase> read_counterfact_file(const std::string& path) {
  const json document = parse_json_text(read_data_text(path), path);
  if (!document.is_array())
    throw data_error(path + ": expected a JSON list of CounterFact cases, got " + describe_json(document));
  if (document.empty()) throw data_error(path + ": no CounterFact cases (empty list)");
  std::vector<CounterFactCase> cases;
  cases.reserve(document.size());
  for (size_t i = 0; i < document.size(); ++i) cases.push_back(read_case(document[i], path, i));
  return cases;
}

void write_counterfact_file(const std::string& path, const std::vector<CounterFactCase>& cases) {
  ojson document = ojson::array();
  for (const CounterFactCase& c : cases) document.push_back(to_json(c));
  std::string text;
  try {
    text = document.dump(1) + "\n";
  } catch (const json::type_error&) {  // the only one dump() throws: invalid UTF-8
    throw data_error(path + ": cannot write CounterFact cases: a field is not valid UTF-8");
  }
  write_text_atomic(path, text);
}

}  // namespace llmedit
