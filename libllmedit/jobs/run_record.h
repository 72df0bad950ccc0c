// What every run leaves besides its job's own files, whatever the job: its row in the run index
// (registered when it starts, updated when it ends) and report.html. The job runner creates one
// per run, so pipeline steps and sweep runs get both too.
#pragma once
#include <nlohmann/json.hpp>

#include <memory>
#include <string>

#include "libllmedit/report/run_folder.h"

namespace llmedit {

class RunIndex;
struct JobOutcome;

class RunRecord {
 public:
  // Registers the run (output.index; "none" keeps it out of any index).
  RunRecord(const nlohmann::json& resolved_config, const RunFolder& run);
  ~RunRecord();
  RunRecord(const RunRecord&) = delete;
  RunRecord& operator=(const RunRecord&) = delete;

  // Status done (with the key metrics) or interrupted; writes report.html for finished runs.
  void finish(const JobOutcome& outcome);
  void fail();

 private:
  void end(const std::string& status, const nlohmann::json& metrics);
  const RunFolder& run_;
  bool report_;
  std::unique_ptr<RunIndex> index_;  // null when the run is not indexed
};

// Where the run index of a resolved config lives: output.index, or <output.root>/index.sqlite
// when that is empty; "" for "none".
std::string run_index_path(const nlohmann::json& resolved_config);

}  // namespace llmedit
