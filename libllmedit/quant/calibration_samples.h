// Calibration text for static quantization: a plain text file (one sample per non-empty line)
// or JSON Lines (one object per line with a string "text"), tokenized and cut to a length.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "libllmedit/tokenizer/tokenizer.h"

namespace llmedit {

struct CalibrationSampleOptions {
  int64_t samples = 16;     // the first N samples of the file
  int64_t max_tokens = 256; // each sample cut to this many tokens (BOS included)
};

// The texts of `path` (".jsonl": the "text" of each line; else each non-empty line). Throws a data
// error naming the file (and line and field) when it is missing, malformed or holds no text.
std::vector<std::string> read_calibration_texts(const std::string& path);

// The first options.samples texts encoded with special tokens and cut to options.max_tokens.
// A usage error for samples or max_tokens < 1.
std::vector<std::vector<int64_t>> calibration_samples(const std::string& path, const Tokenizer& tokenizer,
                                                      const CalibrationSampleOptions& options);

}  // namespace llmedit
