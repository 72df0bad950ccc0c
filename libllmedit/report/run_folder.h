// A run's folder: everything a run writes goes here, each file written atomically (the
// training log is appended one whole line at a time).
//   config.resolved.json  the config with every default filled in
//   train_log.jsonl       one record per logged training step
//   metrics.json          the results
//   predictions.jsonl     per-item outputs of evaluations
//   summary.md            a short human-readable account
//   checkpoints/          training state for --resume
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace llmedit {

class RunFolder {
 public:
  // Creates `dir` for a new run; a folder that already holds a run (config.resolved.json) is
  // refused with a usage error, so results are never mixed.
  static RunFolder create(const std::string& dir, const nlohmann::json& resolved_config);
  // Opens an existing run to resume it; a usage error when it has no config.resolved.json.
  static RunFolder open(const std::string& dir);

  // "<root>/<name>-<YYYYmmdd-HHMMSS>" in local time.
  static std::string default_dir(const std::string& root, const std::string& name);

  const std::string& dir() const { return dir_; }
  std::string path(const std::string& file) const { return dir_ + "/" + file; }
  std::string checkpoint_dir() const { return path("checkpoints"); }
  const nlohmann::json& config() const { return config_; }

  // Appends one record to train_log.jsonl.
  void append_train_log(const nlohmann::json& record);
  // Drops log records past `step`: a resumed run redoes those steps.
  void truncate_train_log(int64_t step);
  // Drops every record: a resumed job that keeps no checkpoint starts again.
  void clear_train_log();
  std::vector<nlohmann::json> train_log() const;

  void write_metrics(const nlohmann::json& metrics) const;
  void write_predictions(const std::vector<nlohmann::json>& rows) const;
  void write_summary(const std::string& markdown) const;
  void write_json(const std::string& file, const nlohmann::json& value) const;

 private:
  RunFolder(std::string dir, nlohmann::json config);
  std::string dir_;
  nlohmann::json config_;
  std::vector<nlohmann::json> log_;
};

}  // namespace llmedit
