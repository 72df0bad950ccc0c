#include "libllmedit/quant/calibration_samples.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>

#include "libllmedit/core/error.h"

namespace llmedit {

namespace {

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool blank(const std::string& line) {
  return std::all_of(line.begin(), line.end(), [](unsigned char c) { return std::isspace(c) != 0; });
}

}  // namespace

std::vector<std::string> read_calibration_texts(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) throw data_error("calibration file '" + path + "' does not exist");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw data_error("calibration file '" + path + "' cannot be read");
  const bool jsonl = ends_with(path, ".jsonl");
  std::vector<std::string> texts;
  std::string line;
  for (int64_t number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (blank(line)) continue;
    if (!jsonl) {
      texts.push_back(line);
      continue;
    }
    const std::string where = path + ":" + std::to_string(number);
    const nlohmann::json row = nlohmann::json::parse(line, nullptr, false);
    if (row.is_discarded()) throw data_error(where + ": not valid JSON");
    if (!row.is_object() || !row.contains("text") || !row["text"].is_string())
      throw data_error(where + ": field 'text' is missing or not a string");
    if (!blank(row["text"].get<std::string>())) texts.push_back(row["text"].get<std::string>());
  }
  if (texts.empty()) throw data_error("calibration file '" + path + "' holds no text");
  return texts;
}

std::vector<std::vector<int64_t>> calibration_samples(const std::string& path, const Tokenizer& tokenizer,
                                                      const CalibrationSampleOptions& options) {
  if (options.samples < 1) throw usage_error("calibration samples must be >= 1; got " + std::to_string(options.samples));
  if (options.max_tokens < 1)
    throw usage_error("calibration length must be >= 1 token; got " + std::to_string(options.max_tokens));
  const std::vector<std::string> texts = read_calibration_texts(path);
  std::vector<std::vector<int64_t>> samples;
  for (const auto& text : texts) {
    if (static_cast<int64_t>(samples.size()) == options.samples) break;
    std::vector<int64_t> ids = tokenizer.encode(text, true);
    if (static_cast<int64_t>(ids.size()) > options.max_tokens) ids.resize(static_cast<size_t>(options.max_tokens));
    if (!ids.empty()) samples.push_back(std::move(ids));
  }
  return samples;
}

}  // namespace llmedit
