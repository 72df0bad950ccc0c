#include "libllmedit/augment/prompt_templates.h"

#include "libllmedit/core/atomic_file.h"
#include "libllmedit/core/error.h"

namespace llmedit::augment {

namespace {

const char* const kPlaceholders[] = {"question", "answer", "subject"};

// Every "{name}" in `text` must be a known placeholder.
void check_placeholders(const std::string& text, const std::string& where) {
  for (size_t open = text.find('{'); open != std::string::npos; open = text.find('{', open + 1)) {
    const size_t close = text.find('}', open);
    if (close == std::string::npos) return;
    const std::string name = text.substr(open + 1, close - open - 1);
    bool known = false;
    for (const char* p : kPlaceholders) known = known || name == p;
    if (!known)
      throw data_error(where + ": unknown placeholder {" + name + "} (use {question}, {answer} or {subject})");
  }
}

std::string string_field(const nlohmann::json& entry, const std::string& key, const std::string& where, bool required) {
  if (!entry.contains(key)) {
    if (required) throw data_error(where + ": missing field '" + key + "'");
    return "";
  }
  if (!entry[key].is_string()) throw data_error(where + "." + key + ": must be a string, got " + entry[key].dump());
  check_placeholders(entry[key].get<std::string>(), where + "." + key);
  return entry[key].get<std::string>();
}

PromptTemplate read_entry(const nlohmann::json& entry, const std::string& where) {
  if (!entry.is_object()) throw data_error(where + ": must be an object with \"system\" and \"user\" templates");
  PromptTemplate t;
  t.system = string_field(entry, "system", where, false);
  t.user = string_field(entry, "user", where, true);
  if (entry.contains("temperature")) {
    if (!entry["temperature"].is_number() || entry["temperature"].get<double>() < 0)
      throw data_error(where + ".temperature: must be a number >= 0, got " + entry["temperature"].dump());
    t.temperature = entry["temperature"].get<double>();
  }
  if (entry.contains("max_tokens")) {
    if (!entry["max_tokens"].is_number_integer() || entry["max_tokens"].get<int64_t>() < 1)
      throw data_error(where + ".max_tokens: must be a positive integer, got " + entry["max_tokens"].dump());
    t.max_tokens = entry["max_tokens"].get<int64_t>();
  }
  return t;
}

}  // namespace

std::vector<std::string> prompt_kinds() {
  std::vector<std::string> kinds = question_variant_kinds();
  kinds.push_back(kVagueAnswer);
  kinds.push_back(kJudge);
  return kinds;
}

PromptTemplates read_prompt_templates(const std::string& path) {
  std::string text;
  try {
    text = read_text_file(path);
  } catch (const std::exception&) {
    throw data_error(path + ": cannot read the prompt templates");
  }
  PromptTemplates out;
  out.path = path;
  try {
    out.raw = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw data_error(path + ": invalid JSON at byte " + std::to_string(e.byte));
  }
  if (!out.raw.is_object()) throw data_error(path + ": must be a JSON object with one entry per task kind");
  for (const std::string& kind : prompt_kinds()) {
    if (!out.raw.contains(kind)) throw data_error(path + ": missing key '" + kind + "'");
    out.by_kind[kind] = read_entry(out.raw[kind], path + ": " + kind);
  }
  return out;
}

std::string fill_prompt(const std::string& text, const AugmentTask& task) {
  // One left-to-right pass: a value that itself contains "{answer}" is copied, never expanded.
  std::string out;
  for (size_t i = 0; i < text.size();) {
    bool replaced = false;
    for (const auto& [name, value] : {std::pair<const char*, const std::string*>{"{question}", &task.question},
                                      {"{answer}", &task.answer},
                                      {"{subject}", &task.subject}}) {
      const std::string n = name;
      if (text.compare(i, n.size(), n) == 0) {
        out += *value;
        i += n.size();
        replaced = true;
        break;
      }
    }
    if (!replaced) out += text[i++];
  }
  return out;
}

}  // namespace llmedit::augment
