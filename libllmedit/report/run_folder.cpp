#include "libllmedit/report/run_folder.h"

#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "libllmedit/core/atomic_file.h"
#include "libllmedit/core/error.h"

namespace llmedit {

namespace fs = std::filesystem;

namespace {

std::vector<nlohmann::json> read_jsonl(const std::string& path) {
  std::vector<nlohmann::json> rows;
  if (!fs::exists(path)) return rows;
  const std::string text = read_text_file(path);
  std::istringstream in(text.substr(0, text.rfind('\n') + 1));  // a cut last line is dropped
  std::string line;
  int64_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    try {
      rows.push_back(nlohmann::json::parse(line));
    } catch (const nlohmann::json::parse_error& e) {
      throw data_error(path + ":" + std::to_string(number) + ": not a JSON line (" + e.what() + ")");
    }
  }
  return rows;
}

std::string to_jsonl(const std::vector<nlohmann::json>& rows) {
  std::string out;
  for (const nlohmann::json& row : rows) out += row.dump() + "\n";
  return out;
}

}  // namespace

RunFolder::RunFolder(std::string dir, nlohmann::json config) : dir_(std::move(dir)), config_(std::move(config)) {
  log_ = read_jsonl(path("train_log.jsonl"));
}

RunFolder RunFolder::create(const std::string& dir, const nlohmann::json& resolved_config) {
  if (fs::exists(fs::path(dir) / "config.resolved.json"))
    throw usage_error("output.dir '" + dir + "' already holds a run; choose another folder or resume it with --resume " + dir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw usage_error("output.dir '" + dir + "': cannot create the folder (" + ec.message() + ")");
  write_text_atomic(dir + "/config.resolved.json", resolved_config.dump(2) + "\n");
  return RunFolder(dir, resolved_config);
}

RunFolder RunFolder::open(const std::string& dir) {
  const std::string file = dir + "/config.resolved.json";
  if (!fs::exists(file)) throw usage_error("--resume " + dir + ": not a run folder (no config.resolved.json)");
  try {
    return RunFolder(dir, nlohmann::json::parse(read_text_file(file)));
  } catch (const nlohmann::json::parse_error& e) {
    throw data_error(file + ": not valid JSON (" + e.what() + ")");
  }
}

std::string RunFolder::default_dir(const std::string& root, const std::string& name) {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &local);
  return root + "/" + name + "-" + stamp;
}

void RunFolder::append_train_log(const nlohmann::json& record) {
  log_.push_back(record);
  // Appending one whole line per call keeps this O(1) per step; a crash can at worst cut the
  // last line, which read_jsonl drops.
  std::ofstream out(path("train_log.jsonl"), std::ios::app | std::ios::binary);
  out << record.dump() + "\n";
  out.flush();
  if (!out) throw data_error(path("train_log.jsonl") + ": cannot append to the training log");
}

void RunFolder::truncate_train_log(int64_t step) {
  std::vector<nlohmann::json> kept;
  for (const nlohmann::json& row : log_)
    if (!row.contains("step") || row["step"].get<int64_t>() <= step) kept.push_back(row);
  log_ = std::move(kept);
  write_text_atomic(path("train_log.jsonl"), to_jsonl(log_));
}

void RunFolder::clear_train_log() {
  log_.clear();
  write_text_atomic(path("train_log.jsonl"), "");
}

std::vector<nlohmann::json> RunFolder::train_log() const { return log_; }

void RunFolder::write_metrics(const nlohmann::json& metrics) const { write_json("metrics.json", metrics); }

void RunFolder::write_predictions(const std::vector<nlohmann::json>& rows) const {
  write_text_atomic(path("predictions.jsonl"), to_jsonl(rows));
}

void RunFolder::write_summary(const std::string& markdown) const { write_text_atomic(path("summary.md"), markdown); }

void RunFolder::write_json(const std::string& file, const nlohmann::json& value) const {
  write_text_atomic(path(file), value.dump(2) + "\n");
}

}  // namespace llmedit
