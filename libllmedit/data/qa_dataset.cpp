#include "libllmedit/data/qa_dataset.h"

#include <sstream>

#include "libllmedit/core/atomic_file.h"
#include "libllmedit/core/error.h"
#include "libllmedit/data/text_corpus.h"

namespace llmedit {

using json = nlohmann::json;

namespace {

// One record of the file and where it came from, for error messages.
struct RawItem {
  const json* value;
  size_t index;
  int64_t line;  // 0 for items of a JSON array
};

std::string where(const std::string& path, const RawItem& raw) {
  std::string text = path + ": item " + std::to_string(raw.index);
  if (raw.line > 0) text += " (line " + std::to_string(raw.line) + ")";
  return text;
}

QAItem read_knowundo_item(const JsonFields& fields) {
  QAItem item;
  item.question = fields.string("text");
  item.answer = fields.string("labels");
  return item;
}

QAItem read_native_item(const JsonFields& fields) {
  QAItem item;
  item.id = fields.optional_string("id");
  item.question = fields.string("question");
  item.answer = fields.string("answer");
  item.key_facts = fields.optional_string_list("key_facts");
  item.split = fields.optional_string("split");
  item.paraphrased_questions = fields.optional_string_list("paraphrased_questions");
  // TOFU's perturbed files carry one paraphrase as a string under the singular name.
  const std::string single = fields.optional_string("paraphrased_question");
  if (!single.empty()) item.paraphrased_questions.push_back(single);
  item.paraphrased_answer = fields.optional_string("paraphrased_answer");
  item.perturbed_answers = fields.optional_string_list("perturbed_answer");
  return item;
}

// KnowUnDo when the first item has "text" and no "question"; the whole file then follows it.
bool is_knowundo(const json& first) {
  return first.is_object() && first.contains("text") && !first.contains("question");
}

std::vector<RawItem> raw_items(const std::string& text, const std::string& path, std::vector<JsonLine>* lines,
                               json* document) {
  std::vector<RawItem> raws;
  const size_t start = text.find_first_not_of(" \t\r\n");
  if (start != std::string::npos && text[start] == '[') {
    *document = parse_json_text(text, path);
    for (size_t i = 0; i < document->size(); ++i) raws.push_back({&(*document)[i], i, 0});
    return raws;
  }
  *lines = parse_jsonl_text(text, path);
  for (size_t i = 0; i < lines->size(); ++i) raws.push_back({&(*lines)[i].value, i, (*lines)[i].line});
  return raws;
}

nlohmann::ordered_json to_json(const QAItem& item) {
  nlohmann::ordered_json out;
  out["id"] = item.id;
  out["question"] = item.question;
  out["answer"] = item.answer;
  if (!item.key_facts.empty()) out["key_facts"] = item.key_facts;
  if (!item.split.empty()) out["split"] = item.split;
  if (!item.paraphrased_questions.empty()) out["paraphrased_questions"] = item.paraphrased_questions;
  if (!item.paraphrased_answer.empty()) out["paraphrased_answer"] = item.paraphrased_answer;
  if (!item.perturbed_answers.empty()) out["perturbed_answer"] = item.perturbed_answers;
  return out;
}

}  // namespace

bool QAItem::operator==(const QAItem& o) const {
  return id == o.id && question == o.question && answer == o.answer && key_facts == o.key_facts &&
         split == o.split && paraphrased_questions == o.paraphrased_questions &&
         paraphrased_answer == o.paraphrased_answer && perturbed_answers == o.perturbed_answers;
}

std::vector<QAItem> read_qa_file(const std::string& path) {
  const std::string text = read_data_text(path);
  std::vector<JsonLine> lines;
  json document;
  const std::vector<RawItem> raws = raw_items(text, path, &lines, &document);
  if (raws.empty()) throw data_error(path + ": no QA items (empty file or empty list)");
  const bool knowundo = is_knowundo(*raws.front().value);
  std::vector<QAItem> items;
  items.reserve(raws.size());
  for (const RawItem& raw : raws) {
    const JsonFields fields(*raw.value, where(path, raw));
    items.push_back(knowundo ? read_knowundo_item(fields) : read_native_item(fields));
  }
  return items;
}

void write_qa_jsonl(const std::string& path, const std::vector<QAItem>& items) {
  std::ostringstream text;
  for (size_t i = 0; i < items.size(); ++i) {
    try {
      text << to_json(items[i]).dump() << '\n';
    } catch (const json::type_error&) {  // the only one dump() throws: invalid UTF-8
      throw data_error(path + ": item " + std::to_string(i) + ": cannot write: a field is not valid UTF-8");
    }
  }
  write_text_atomic(path, text.str());
}

}  // namespace llmedit
