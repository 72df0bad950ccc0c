#include "libllmedit/data/mc_csv.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <sstream>

#include "libllmedit/core/atomic_file.h"
#include "libllmedit/core/error.h"

namespace llmedit {

namespace fs = std::filesystem;

namespace {

// ---- CSV ----

// Walks the text once; `line` follows every line end, including those inside quoted fields.
class CsvReader {
 public:
  CsvReader(const std::string& text, const std::string& source) : text_(text), source_(source) {
    if (text_.compare(0, 3, "\xEF\xBB\xBF") == 0) pos_ = 3;
  }

  std::vector<CsvRecord> records() {
    std::vector<CsvRecord> out;
    while (pos_ < text_.size()) {
      CsvRecord record = next_record();
      const bool blank_line = record.fields.size() == 1 && record.fields[0].empty();
      if (!blank_line) out.push_back(std::move(record));
    }
    return out;
  }

 private:
  bool at_line_end() const { return pos_ < text_.size() && (text_[pos_] == '\n' || text_[pos_] == '\r'); }

  // Consumes "\r\n", "\n" or "\r" at pos_ and counts the line.
  void skip_line_end() {
    if (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ++pos_;
    ++pos_;
    ++line_;
  }

  CsvRecord next_record() {
    CsvRecord record;
    record.line = line_;
    while (true) {
      record.fields.push_back(next_field());
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (at_line_end()) skip_line_end();
      return record;
    }
  }

  std::string next_field() {
    return pos_ < text_.size() && text_[pos_] == '"' ? quoted_field() : plain_field();
  }

  std::string plain_field() {
    std::string field;
    while (pos_ < text_.size() && text_[pos_] != ',' && !at_line_end()) {
      if (text_[pos_] == '"') fail(line_, "a quote inside an unquoted field (RFC 4180 needs the field quoted)");
      field += text_[pos_++];
    }
    return field;
  }

  // Line ends inside quotes are stored as "\n" whatever the file uses, so CRLF and LF copies of a
  // file give the same strings.
  std::string quoted_field() {
    const int64_t opened = line_;
    std::string field;
    ++pos_;
    while (true) {
      if (pos_ >= text_.size()) fail(opened, "unterminated quoted field");
      if (at_line_end()) {
        skip_line_end();
        field += '\n';
        continue;
      }
      const char c = text_[pos_++];
      if (c != '"') {
        field += c;
      } else if (pos_ < text_.size() && text_[pos_] == '"') {
        field += '"';
        ++pos_;
      } else {
        break;
      }
    }
    if (pos_ < text_.size() && text_[pos_] != ',' && !at_line_end()) fail(line_, "text after a closing quote");
    return field;
  }

  [[noreturn]] void fail(int64_t line, const std::string& what) const {
    throw data_error(source_ + ": line " + std::to_string(line) + ": invalid CSV: " + what);
  }

  const std::string& text_;
  const std::string& source_;
  size_t pos_ = 0;
  int64_t line_ = 1;
};

// ---- MC layout ----

constexpr int kMaxChoices = 4;

// Column of each role; -1 when absent.
struct Layout {
  bool has_header = false;
  int question = -1;
  int options[kMaxChoices] = {-1, -1, -1, -1};
  int answer = -1;
  size_t width = 0;
};

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

Layout header_layout(const CsvRecord& first) {
  Layout layout;
  layout.width = first.fields.size();
  for (size_t i = 0; i < first.fields.size(); ++i) {
    const std::string name = lower(trim(first.fields[i]));
    const int col = static_cast<int>(i);
    if (name == "question") layout.question = col;
    if (name == "answer") layout.answer = col;
    if (name.size() == 1 && name[0] >= 'a' && name[0] < 'a' + kMaxChoices) layout.options[name[0] - 'a'] = col;
  }
  layout.has_header = layout.question >= 0 || layout.answer >= 0;
  return layout;
}

// The header row, or the original MMLU files' headerless question,A,B,C,D,answer.
Layout detect_layout(const CsvRecord& first, const std::string& path) {
  Layout layout = header_layout(first);
  if (!layout.has_header && first.fields.size() == 6) return {false, 0, {1, 2, 3, 4}, 5, 6};
  const auto need = [&](int col, const char* name) {
    if (col < 0) throw data_error(path + ": line " + std::to_string(first.line) + ": header has no '" + name + "' column");
  };
  need(layout.question, "Question");
  need(layout.options[0], "A");
  need(layout.options[1], "B");
  need(layout.answer, "Answer");
  return layout;
}

std::string letter(int index) { return std::string(1, static_cast<char>('A' + index)); }

// A field's text quoted in an error: line ends and tabs written as escapes (errors are one line),
// cut short.
std::string printable(const std::string& text) {
  std::string out;
  for (char c : text.substr(0, 60)) out += c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : std::string(1, c);
  return text.size() > 60 ? out + "..." : out;
}

// Options in A-D order with trailing empty ones dropped; an empty option before a filled one
// would shift the letters, so it is an error.
std::vector<std::string> read_choices(const CsvRecord& record, const Layout& layout, const std::string& where) {
  std::vector<std::string> choices;
  for (int k = 0; k < kMaxChoices && layout.options[k] >= 0; ++k) choices.push_back(record.fields[layout.options[k]]);
  while (!choices.empty() && trim(choices.back()).empty()) choices.pop_back();
  for (size_t k = 0; k < choices.size(); ++k)
    if (trim(choices[k]).empty())
      throw data_error(where + ": option " + letter(static_cast<int>(k)) + " is empty but a later option is not");
  if (choices.size() < 2)
    throw data_error(where + ": " + std::to_string(choices.size()) + " non-empty option(s), at least 2 are needed");
  return choices;
}

int read_answer(const std::string& raw, size_t choices, const std::string& where) {
  const std::string text = trim(raw);
  const std::string range = "A-" + letter(static_cast<int>(choices) - 1);
  if (text.size() != 1 || text[0] < 'A' || text[0] - 'A' >= static_cast<int>(choices))
    throw data_error(where + ": answer '" + printable(raw) + "' is not among the options " + range);
  return text[0] - 'A';
}

MCItem read_item(const CsvRecord& record, const Layout& layout, int64_t row, const std::string& path) {
  const std::string where = path + ": row " + std::to_string(row) + " (line " + std::to_string(record.line) + ")";
  if (record.fields.size() != layout.width)
    throw data_error(where + ": " + std::to_string(record.fields.size()) + " fields, expected " +
                     std::to_string(layout.width));
  MCItem item;
  item.row = row;
  item.question = record.fields[layout.question];
  item.choices = read_choices(record, layout, where);
  item.answer = read_answer(record.fields[layout.answer], item.choices.size(), where);
  return item;
}

std::map<std::string, std::vector<MCItem>> read_subjects(const fs::path& folder) {
  std::map<std::string, std::vector<MCItem>> subjects;
  if (!fs::is_directory(folder)) return subjects;
  for (const auto& entry : fs::directory_iterator(folder)) {
    if (entry.is_regular_file() && entry.path().extension() == ".csv")
      subjects[entry.path().stem().string()] = read_mc_csv(entry.path().string());
  }
  return subjects;
}

void check_writable(const MCItem& item, size_t index, const std::string& path) {
  const std::string where = path + ": item " + std::to_string(index);
  if (item.choices.size() < 2 || item.choices.size() > kMaxChoices)
    throw data_error(where + ": " + std::to_string(item.choices.size()) + " choices, expected 2 to 4");
  if (item.answer < 0 || item.answer >= static_cast<int>(item.choices.size()))
    throw data_error(where + ": answer index " + std::to_string(item.answer) + " is out of range");
}

}  // namespace

std::vector<CsvRecord> parse_csv(const std::string& text, const std::string& source) {
  return CsvReader(text, source).records();
}

std::string csv_field(const std::string& value) {
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string quoted = "\"";
  for (char c : value) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::vector<MCItem> read_mc_csv(const std::string& path) {
  const std::vector<CsvRecord> records = parse_csv(read_text_file(path), path);
  if (records.empty()) throw data_error(path + ": no multiple-choice rows (empty file)");
  const Layout layout = detect_layout(records.front(), path);
  std::vector<MCItem> items;
  for (size_t i = layout.has_header ? 1 : 0; i < records.size(); ++i)
    items.push_back(read_item(records[i], layout, static_cast<int64_t>(items.size()), path));
  if (items.empty()) throw data_error(path + ": no multiple-choice rows (only a header)");
  return items;
}

MCBenchmark read_mc_benchmark(const std::string& folder) {
  if (!fs::is_directory(folder)) throw data_error(folder + ": not a folder (expected dev/ and test/ with CSV files)");
  MCBenchmark benchmark{read_subjects(fs::path(folder) / "dev"), read_subjects(fs::path(folder) / "test")};
  if (benchmark.dev.empty() && benchmark.test.empty())
    throw data_error(folder + ": no CSV files in dev/ or test/");
  return benchmark;
}

void write_mc_csv(const std::string& path, const std::vector<MCItem>& items) {
  std::ostringstream out;
  out << ",Question,A,B,C,D,Answer\n";
  for (size_t i = 0; i < items.size(); ++i) {
    const MCItem& item = items[i];
    check_writable(item, i, path);
    out << i << ',' << csv_field(item.question);
    for (size_t k = 0; k < kMaxChoices; ++k) out << ',' << (k < item.choices.size() ? csv_field(item.choices[k]) : "");
    out << ',' << letter(item.answer) << '\n';
  }
  write_text_atomic(path, out.str());
}

}  // namespace llmedit
