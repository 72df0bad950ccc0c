// Plain-text corpora, and the JSON/JSONL reading with positioned one-line errors that every
// JSON-based reader in data/ shares.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace llmedit {

// A ".jsonl" file: one object per line with a string "text" (blank lines skipped, other fields
// ignored). Any other file: plain UTF-8 text, documents separated by one or more blank lines,
// lines inside a document joined with "\n" (CRLF read as LF, a byte order mark dropped).
// Throws data_error naming the file (and line, field, value) when it is unreadable, malformed or
// holds no documents.
std::vector<std::string> read_text_corpus(const std::string& path);

// ---- JSON helpers for the readers in data/ ----

// The file's text without a leading UTF-8 byte order mark.
std::string read_data_text(const std::string& path);

// A whole JSON document. Invalid JSON throws "PATH: line L, column C: invalid JSON: REASON".
nlohmann::json parse_json_text(const std::string& text, const std::string& path);

// One value per non-blank line, with its 1-based line number.
struct JsonLine {
  nlohmann::json value;
  int64_t line = 0;
};
std::vector<JsonLine> parse_jsonl_text(const std::string& text, const std::string& path);

// A value for an error message: its JSON type and (the first 60 characters of) its text.
std::string describe_json(const nlohmann::json& value);

// Typed access to the members of one JSON object. Errors read
// "WHERE: field 'PATH.KEY': what" where WHERE names the file and record ("f.json: case 3") and
// PATH is the object's position inside the record ("requested_rewrite[1].target_new").
// Absent and null members count as missing. Holds a reference: keep the object alive.
class JsonFields {
 public:
  // Throws when `object` is not a JSON object.
  JsonFields(const nlohmann::json& object, std::string where, std::string path = "");

  const nlohmann::json* find(const std::string& key) const;  // nullptr when absent or null
  const nlohmann::json& require(const std::string& key) const;
  std::string string(const std::string& key) const;
  std::string optional_string(const std::string& key) const;  // "" when absent
  int64_t integer(const std::string& key) const;
  std::optional<bool> optional_bool(const std::string& key) const;
  std::vector<std::string> string_list(const std::string& key) const;
  std::vector<std::string> optional_string_list(const std::string& key) const;  // {} when absent
  JsonFields object(const std::string& key) const;

  std::string field(const std::string& key) const;  // "PATH.KEY"
  const std::string& where() const { return where_; }
  [[noreturn]] void fail(const std::string& key, const std::string& what) const;
  [[noreturn]] void wrong_type(const std::string& key, const char* expected, const nlohmann::json& got) const;

 private:
  const nlohmann::json& object_;
  std::string where_;
  std::string path_;
};

}  // namespace llmedit
