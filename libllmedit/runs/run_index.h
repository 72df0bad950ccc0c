// The run index: one SQLite file (runs/index.sqlite by default) where every run registers when
// it starts and updates its row when it ends, so `llmedit runs list|show|compare` can find runs
// without walking folders. WAL journaling and a busy timeout let several runs (processes or
// threads, each with its own RunIndex) write at once.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

struct sqlite3;

namespace llmedit {

struct IndexedRun {
  int64_t id = 0;
  std::string dir;  // absolute; the key a run is found by when it resumes
  std::string name, job, config_hash;
  std::string status;  // running, done, interrupted, failed
  std::string started_at, ended_at;  // UTC, ISO 8601; ended_at empty while running
  nlohmann::json metrics = nlohmann::json::object();  // key metrics: dotted key -> number
};

struct RunStart {
  std::string dir, name, job, config_hash;
};

class RunIndex {
 public:
  // Opens (creating the file, its folder and the table when absent) the index at `path`.
  explicit RunIndex(const std::string& path);
  ~RunIndex();
  RunIndex(const RunIndex&) = delete;
  RunIndex& operator=(const RunIndex&) = delete;

  // Registers a run as running; a run that resumes keeps its row and id. Returns the id.
  int64_t record_start(const RunStart& start);
  void record_end(const std::string& dir, const std::string& status, const nlohmann::json& metrics);

  std::vector<IndexedRun> list() const;  // by id
  // By id ("12") or by run folder; nullopt when no run matches.
  std::optional<IndexedRun> find(const std::string& id_or_dir) const;

  const std::string& path() const { return path_; }

 private:
  void execute(const std::string& sql) const;
  std::string path_;
  sqlite3* db_ = nullptr;
};

// The folder as stored in the index (absolute, normalized), so "runs/x" and "./runs/x" match.
std::string index_dir_key(const std::string& dir);

// "2026-11-26T15:47:19Z"
std::string utc_timestamp_now();

// The run index of runs created under `output_root` (`<root>/index.sqlite`).
std::string default_index_path(const std::string& output_root);

}  // namespace llmedit
