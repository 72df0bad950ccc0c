// Plain-text corpora (for covariance statistics, perplexity, fluency references).
#pragma once
#include <string>
#include <vector>

namespace llmedit {

// A ".jsonl" file: one object per line with a string "text" (blank lines skipped, other fields
// ignored). Any other file: plain UTF-8 text, documents separated by one or more blank lines,
// lines inside a document joined with "\n" (CRLF read as LF, a byte order mark dropped).
// Throws data_error naming the file (and line, field, value) when it is unreadable, malformed or
// holds no documents.
std::vector<std::string> read_text_corpus(const std::string& path);

}  // namespace llmedit
