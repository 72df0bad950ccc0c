#include "libllmedit/data/atoke.h"

#include "libllmedit/core/atomic_file.h"
#include "libllmedit/core/error.h"
#include "libllmedit/data/text_corpus.h"

namespace llmedit {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

namespace {

using Groups = std::vector<std::vector<std::string>>;

AtokeEntity read_entity(const JsonFields& fields) {
  return {fields.string("str"), fields.optional_string("id")};
}

AtokeInterval read_interval(const JsonFields& fields) {
  return {fields.integer("since"), fields.integer("until"), fields.optional_bool("gptj")};
}

AtokeEvaluation read_evaluation(const JsonFields& fields) {
  AtokeEvaluation e;
  e.completion = fields.string("completion");
  e.questions = fields.string("questions");
  e.paraphrase_completion = fields.string("paraphrase_completion");
  e.time_completion = fields.string("time_completion");
  e.time_questions = fields.string("time_questions");
  e.paraphrase_time_completion = fields.string("paraphrase_time_completion");
  return e;
}

AtokeStep read_step(const JsonFields& fields) {
  AtokeStep step;
  step.prompt = fields.string("prompt");
  step.time_prompt = fields.string("time_prompt");
  step.subject = fields.string("subject");
  step.relation = fields.optional_string("relation");
  step.relation_id = fields.optional_string("relation_id");
  step.target_new = read_entity(fields.object("target_new"));
  step.target_true = read_entity(fields.object("target_true"));
  step.time_new = read_interval(fields.object("time_new"));
  step.time_true = read_interval(fields.object("time_true"));
  step.evaluation = read_evaluation(fields.object("evaluation"));
  return step;
}

std::string indexed(const std::string& key, size_t i) { return key + "[" + std::to_string(i) + "]"; }

// A list of objects, or (the single-step shorthand) one object.
template <typename T, typename Read>
std::vector<T> read_objects(const JsonFields& fields, const std::string& key, Read read) {
  const json& value = fields.require(key);
  if (value.is_object()) return {read(JsonFields(value, fields.where(), fields.field(key)))};
  if (!value.is_array() || value.empty()) fields.wrong_type(key, "a non-empty list of objects", value);
  std::vector<T> out;
  for (size_t i = 0; i < value.size(); ++i) out.push_back(read(JsonFields(value[i], fields.where(), fields.field(indexed(key, i)))));
  return out;
}

// A list of string lists, one per step; a flat list of strings is one group.
Groups read_groups(const JsonFields& fields, const std::string& key) {
  const json& value = fields.require(key);
  if (!value.is_array()) fields.wrong_type(key, "a list of string lists", value);
  if (!value.empty() && value.front().is_string()) return {fields.string_list(key)};
  Groups groups(value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    const std::string group_key = indexed(key, i);
    if (!value[i].is_array()) fields.wrong_type(group_key, "a list of strings", value[i]);
    for (size_t j = 0; j < value[i].size(); ++j) {
      if (!value[i][j].is_string()) fields.wrong_type(indexed(group_key, j), "a string", value[i][j]);
      groups[i].push_back(value[i][j].get<std::string>());
    }
  }
  return groups;
}

// Per-step lists must line up with the steps; an empty list means the field was absent.
void check_per_step(const JsonFields& fields, const std::string& key, size_t size, size_t steps, bool optional) {
  if (optional && size == 0) return;
  if (size != steps)
    fields.fail(key, "has " + std::to_string(size) + " entries but requested_rewrite has " + std::to_string(steps) +
                         " steps");
}

// "f.json: case 3" once case_id is known, "f.json: case at index 7" before.
AtokeCase read_case(const json& value, const std::string& path, size_t index) {
  const std::string at_index = path + ": case at index " + std::to_string(index);
  AtokeCase c;
  c.case_id = JsonFields(value, at_index).integer("case_id");
  const JsonFields fields(value, path + ": case " + std::to_string(c.case_id));
  c.requested_rewrite = read_objects<AtokeStep>(fields, "requested_rewrite", read_step);
  if (fields.find("history_evaluation"))
    c.history_evaluation = read_objects<AtokeEvaluation>(fields, "history_evaluation", read_evaluation);
  c.answer = read_groups(fields, "answer");
  c.new_answer = read_groups(fields, "new_answer");
  if (fields.find("answer_alias")) c.answer_alias = read_groups(fields, "answer_alias");
  if (fields.find("new_answer_alias")) c.new_answer_alias = read_groups(fields, "new_answer_alias");
  const size_t steps = c.requested_rewrite.size();
  check_per_step(fields, "history_evaluation", c.history_evaluation.size(), steps, true);
  check_per_step(fields, "answer", c.answer.size(), steps, false);
  check_per_step(fields, "new_answer", c.new_answer.size(), steps, false);
  check_per_step(fields, "answer_alias", c.answer_alias.size(), steps, true);
  check_per_step(fields, "new_answer_alias", c.new_answer_alias.size(), steps, true);
  return c;
}

ojson to_json(const AtokeEntity& e) {
  ojson out;
  out["str"] = e.str;
  if (!e.id.empty()) out["id"] = e.id;
  return out;
}

ojson to_json(const AtokeInterval& t) {
  ojson out;
  out["since"] = t.since;
  out["until"] = t.until;
  if (t.gptj) out["gptj"] = *t.gptj;
  return out;
}

ojson to_json(const AtokeEvaluation& e) {
  ojson out;
  out["completion"] = e.completion;
  out["questions"] = e.questions;
  out["paraphrase_completion"] = e.paraphrase_completion;
  out["time_completion"] = e.time_completion;
  out["time_questions"] = e.time_questions;
  out["paraphrase_time_completion"] = e.paraphrase_time_completion;
  return out;
}

ojson to_json(const AtokeStep& s) {
  ojson out;
  out["prompt"] = s.prompt;
  out["time_prompt"] = s.time_prompt;
  out["target_new"] = to_json(s.target_new);
  out["target_true"] = to_json(s.target_true);
  out["subject"] = s.subject;
  if (!s.relation.empty()) out["relation"] = s.relation;
  if (!s.relation_id.empty()) out["relation_id"] = s.relation_id;
  out["time_new"] = to_json(s.time_new);
  out["time_true"] = to_json(s.time_true);
  out["evaluation"] = to_json(s.evaluation);
  return out;
}

template <typename T>
ojson list_json(const std::vector<T>& items) {
  ojson out = ojson::array();
  for (const T& item : items) out.push_back(to_json(item));
  return out;
}

ojson to_json(const AtokeCase& c) {
  ojson out;
  out["case_id"] = c.case_id;
  out["requested_rewrite"] = list_json(c.requested_rewrite);
  if (!c.history_evaluation.empty()) out["history_evaluation"] = list_json(c.history_evaluation);
  out["answer"] = c.answer;
  if (!c.answer_alias.empty()) out["answer_alias"] = c.answer_alias;
  out["new_answer"] = c.new_answer;
  if (!c.new_answer_alias.empty()) out["new_answer_alias"] = c.new_answer_alias;
  return out;
}

}  // namespace

bool AtokeEvaluation::operator==(const AtokeEvaluation& o) const {
  return completion == o.completion && questions == o.questions && paraphrase_completion == o.paraphrase_completion &&
         time_completion == o.time_completion && time_questions == o.time_questions &&
         paraphrase_time_completion == o.paraphrase_time_completion;
}

bool AtokeStep::operator==(const AtokeStep& o) const {
  return prompt == o.prompt && time_prompt == o.time_prompt && subject == o.subject && relation == o.relation &&
         relation_id == o.relation_id && target_new == o.target_new && target_true == o.target_true &&
         time_new == o.time_new && time_true == o.time_true && evaluation == o.evaluation;
}

bool AtokeCase::operator==(const AtokeCase& o) const {
  return case_id == o.case_id && requested_rewrite == o.requested_rewrite &&
         history_evaluation == o.history_evaluation && answer == o.answer && answer_alias == o.answer_alias &&
         new_answer == o.new_answer && new_answer_alias == o.new_answer_alias;
}

std::vector<AtokeCase> read_atoke_file(const std::string& path) {
  const json document = parse_json_text(read_data_text(path), path);
  if (!document.is_array()) throw data_error(path + ": expected a JSON list of AToKe cases, got " + describe_json(document));
  if (document.empty()) throw data_error(path + ": no AToKe cases (empty list)");
  std::vector<AtokeCase> cases;
  cases.reserve(document.size());
  for (size_t i = 0; i < document.size(); ++i) cases.push_back(read_case(document[i], path, i));
  return cases;
}

void write_atoke_file(const std::string& path, const std::vector<AtokeCase>& cases) {
  ojson document = ojson::array();
  for (const AtokeCase& c : cases) document.push_back(to_json(c));
  std::string text;
  try {
    text = document.dump(1) + "\n";
  } catch (const json::type_error&) {  // the only one dump() throws: invalid UTF-8
    throw data_error(path + ": cannot write AToKe cases: a field is not valid UTF-8");
  }
  write_text_atomic(path, text);
}

}  // namespace llmedit
