#include "libllmedit/data/text_corpus.h"

#include <algorithm>
#include <utility>

#include "libllmedit/core/atomic_file.h"
#include "libllmedit/core/error.h"

namespace llmedit {

using json = nlohmann::json;

namespace {

constexpr const char* kBom = "\xEF\xBB\xBF";

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool is_blank(const std::string& line) {
  return std::all_of(line.begin(), line.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

// Splits on '\n' and drops each line's trailing '\r', so CRLF and LF files read alike.
std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    start = end + 1;
  }
  return lines;
}

// nlohmann's message without its "[json.exception.parse_error.101] parse error at ...: " prefix,
// which repeats a position we state ourselves; newlines flattened to keep errors on one line.
std::string parse_reason(const json::parse_error& e) {
  std::string message = e.what();
  const size_t at = message.find("parse error");
  if (at != std::string::npos) {
    const size_t colon = message.find(": ", at);
    if (colon != std::string::npos) message = message.substr(colon + 2);
  }
  std::replace(message.begin(), message.end(), '\n', ' ');
  return message;
}

// 1-based line and column of byte offset `byte` (nlohmann's 1-based count of bytes read).
std::pair<int64_t, int64_t> line_and_column(const std::string& text, size_t byte) {
  const size_t end = std::min(byte > 0 ? byte - 1 : 0, text.size());
  int64_t line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return {line, static_cast<int64_t>(end - line_start) + 1};
}

[[noreturn]] void invalid_json(const std::string& path, int64_t line, int64_t column, const json::parse_error& e) {
  throw data_error(path + ": line " + std::to_string(line) + ", column " + std::to_string(column) +
                   ": invalid JSON: " + parse_reason(e));
}

// The parser's other failure: a number beyond double's range (out_of_range 406, e.g. 1e999),
// which nlohmann reports without a position.
[[noreturn]] void unreadable_number(const std::string& where, const json::exception& e) {
  std::string message = e.what();
  const size_t bracket = message.find("] ");
  if (message.rfind("[json.exception.", 0) == 0 && bracket != std::string::npos) message = message.substr(bracket + 2);
  std::replace(message.begin(), message.end(), '\n', ' ');
  throw data_error(where + ": invalid JSON: " + message);
}

std::vector<std::string> paragraphs(const std::string& text) {
  std::vector<std::string> documents;
  std::string current;
  for (const std::string& line : split_lines(text)) {
    if (is_blank(line)) {
      if (!current.empty()) documents.push_back(std::move(current));
      current.clear();
      continue;
    }
    if (!current.empty()) current += '\n';
    current += line;
  }
  if (!current.empty()) documents.push_back(std::move(current));
  return documents;
}

std::vector<std::string> jsonl_texts(const std::string& text, const std::string& path) {
  std::vector<std::string> documents;
  for (const JsonLine& row : parse_jsonl_text(text, path)) {
    const JsonFields fields(row.value, path + ": line " + std::to_string(row.line));
    documents.push_back(fields.string("text"));
  }
  return documents;
}

}  // namespace

std::vector<std::string> read_text_corpus(const std::string& path) {
  const std::string text = read_data_text(path);
  std::vector<std::string> documents = ends_with(path, ".jsonl") ? jsonl_texts(text, path) : paragraphs(text);
  if (documents.empty()) throw data_error(path + ": no documents (the corpus is empty)");
  return documents;
}

std::string read_data_text(const std::string& path) {
  std::string text = read_text_file(path);
  if (text.compare(0, 3, kBom) == 0) text.erase(0, 3);
  return text;
}

json parse_json_text(const std::string& text, const std::string& path) {
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    const auto [line, column] = line_and_column(text, e.byte);
    invalid_json(path, line, column, e);
  } catch (const json::exception& e) {
    unreadable_number(path, e);
  }
}

std::vector<JsonLine> parse_jsonl_text(const std::string& text, const std::string& path) {
  std::vector<JsonLine> rows;
  const std::vector<std::string> lines = split_lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (is_blank(lines[i])) continue;
    const int64_t line = static_cast<int64_t>(i) + 1;
    try {
      rows.push_back({json::parse(lines[i]), line});
    } catch (const json::parse_error& e) {
      invalid_json(path, line, line_and_column(lines[i], e.byte).second, e);
    } catch (const json::exception& e) {
      unreadable_number(path + ": line " + std::to_string(line), e);
    }
  }
  return rows;
}

std::string describe_json(const json& value) {
  if (value.is_null()) return "null";
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > 60) {
    size_t cut = 57;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // keep UTF-8 whole
    text = text.substr(0, cut) + "...";
  }
  return std::string(value.type_name()) + " " + text;
}

// ---- JsonFields ----

JsonFields::JsonFields(const json& object, std::string where, std::string path)
    : object_(object), where_(std::move(where)), path_(std::move(path)) {
  if (!object_.is_object()) {
    const std::string subject = path_.empty() ? "record" : "field '" + path_ + "'";
    throw data_error(where_ + ": " + subject + ": expected an object, got " + describe_json(object_));
  }
}

std::string JsonFields::field(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

void JsonFields::fail(const std::string& key, const std::string& what) const {
  throw data_error(where_ + ": field '" + field(key) + "': " + what);
}

void JsonFields::wrong_type(const std::string& key, const char* expected, const json& got) const {
  fail(key, std::string("expected ") + expected + ", got " + describe_json(got));
}

const json* JsonFields::find(const std::string& key) const {
  const auto it = object_.find(key);
  if (it == object_.end() || it->is_null()) return nullptr;
  return &*it;
}

const json& JsonFields::require(const std::string& key) const {
  const json* value = find(key);
  if (value == nullptr) fail(key, object_.contains(key) ? "is null" : "missing");
  return *value;
}

std::string JsonFields::string(const std::string& key) const {
  const json& value = require(key);
  if (!value.is_string()) wrong_type(key, "a string", value);
  return value.get<std::string>();
}

std::string JsonFields::optional_string(const std::string& key) const {
  return find(key) ? string(key) : std::string();
}

int64_t JsonFields::integer(const std::string& key) const {
  const json& value = require(key);
  if (!value.is_number_integer()) wrong_type(key, "an integer", value);
  return value.get<int64_t>();
}

std::optional<bool> JsonFields::optional_bool(const std::string& key) const {
  const json* value = find(key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_boolean()) wrong_type(key, "true or false", *value);
  return value->get<bool>();
}

std::vector<std::string> JsonFields::string_list(const std::string& key) const {
  const json& value = require(key);
  if (!value.is_array()) wrong_type(key, "a list of strings", value);
  std::vector<std::string> strings;
  for (size_t i = 0; i < value.size(); ++i) {
    if (!value[i].is_string()) wrong_type(key + "[" + std::to_string(i) + "]", "a string", value[i]);
    strings.push_back(value[i].get<std::string>());
  }
  return strings;
}

std::vector<std::string> JsonFields::optional_string_list(const std::string& key) const {
  return find(key) ? string_list(key) : std::vector<std::string>();
}

JsonFields JsonFields::object(const std::string& key) const {
  const json& value = require(key);
  if (!value.is_object()) wrong_type(key, "an object", value);
  return JsonFields(value, where_, field(key));
}

}  // namespace llmedit
