// Multiple-choice benchmarks in the MMLU/CMMLU/ArcMMLU CSV layout, and the RFC 4180 CSV parser.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace llmedit {

// One CSV record and the 1-based line where it starts (records may span lines).
struct CsvRecord {
  std::vector<std::string> fields;
  int64_t line = 0;
};

// RFC 4180: comma-separated, fields quoted with '"' may hold commas, newlines and doubled quotes;
// CRLF or LF line ends; a UTF-8 byte order mark is dropped; empty lines are skipped.
// `source` names the text in errors (unterminated quote, text after a closing quote, a quote
// inside an unquoted field).
std::vector<CsvRecord> parse_csv(const std::string& text, const std::string& source);

// A field quoted only when it must be (comma, quote, CR or LF inside).
std::string csv_field(const std::string& value);

struct MCItem {
  std::string question;
  std::vector<std::string> choices;  // 2-4, trailing empty options dropped
  int answer = 0;                    // index into choices
  int64_t row = 0;                   // 0-based data row (the header is not counted)
  bool operator==(const MCItem& o) const {
    return question == o.question && choices == o.choices && answer == o.answer && row == o.row;
  }
};

// Reads one subject file. Layout: a header with "Question", "A", "B", optional "C", "D" and
// "Answer" (any other column, such as the unnamed index column, is ignored), or no header and
// six columns question,A,B,C,D,answer (the original MMLU files). The answer letter must name a
// non-empty option, else data_error naming the file, row, line and letter. Duplicates are kept.
std::vector<MCItem> read_mc_csv(const std::string& path);

// Subject (file stem) -> items of `folder`/dev/*.csv and `folder`/test/*.csv. Either subfolder
// may be missing; the folder must hold at least one CSV file.
struct MCBenchmark {
  std::map<std::string, std::vector<MCItem>> dev;
  std::map<std::string, std::vector<MCItem>> test;
};
MCBenchmark read_mc_benchmark(const std::string& folder);

// Writes the CMMLU layout (",Question,A,B,C,D,Answer", index column = position, missing options
// empty) atomically. Rows are renumbered 0..n-1, so items read from a file round-trip exactly.
void write_mc_csv(const std::string& path, const std::vector<MCItem>& items);

}  // namespace llmedit
