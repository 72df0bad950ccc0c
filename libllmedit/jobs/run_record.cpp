#include "libllmedit/jobs/run_record.h"

#include <filesystem>

#include "libllmedit/core/atomic_file.h"
#include "libllmedit/core/config.h"
#include "libllmedit/core/logging.h"
#include "libllmedit/jobs/job_registry.h"
#include "libllmedit/report/flat_json.h"
#include "libllmedit/report/html_report.h"
#include "libllmedit/runs/config_hash.h"
#include "libllmedit/runs/run_index.h"

namespace llmedit {

namespace {

std::string run_name(const nlohmann::json& c) {
  const std::string name = config_get<std::string>(c, "name");
  return name.empty() ? config_get<std::string>(c, "job") : name;
}

// The index is bookkeeping: a run whose index cannot be written (read-only folder, a broken
// file) still runs and keeps its results in its folder, with a warning.
std::unique_ptr<RunIndex> open_index(const std::string& path) {
  if (path.empty()) return nullptr;
  try {
    return std::make_unique<RunIndex>(path);
  } catch (const std::exception& e) {
    spdlog::warn("run index not updated: {}", e.what());
    return nullptr;
  }
}

}  // namespace

std::string run_index_path(const nlohmann::json& c) {
  const std::string path = config_get<std::string>(c, "output.index");
  if (path == "none") return "";
  return path.empty() ? default_index_path(config_get<std::string>(c, "output.root")) : path;
}

RunRecord::RunRecord(const nlohmann::json& c, const RunFolder& run)
    : run_(run), report_(config_get<bool>(c, "output.report")), index_(open_index(run_index_path(c))) {
  if (!index_) return;
  try {
    index_->record_start({run.dir(), run_name(c), config_get<std::string>(c, "job"), config_hash(c)});
  } catch (const std::exception& e) {
    spdlog::warn("run index not updated: {}", e.what());
    index_.reset();
  }
}

RunRecord::~RunRecord() = default;

void RunRecord::end(const std::string& status, const nlohmann::json& metrics) {
  if (!index_) return;
  try {
    index_->record_end(run_.dir(), status, metrics);
  } catch (const std::exception& e) {
    spdlog::warn("run index not updated: {}", e.what());
  }
}

void RunRecord::finish(const JobOutcome& outcome) {
  if (outcome.interrupted) return end("interrupted", nlohmann::json::object());
  // The report and the index show what metrics.json says, the file people read.
  const std::string file = run_.path("metrics.json");
  nlohmann::json metrics = outcome.metrics;
  if (std::filesystem::exists(file)) metrics = nlohmann::json::parse(read_text_file(file), nullptr, false);
  if (metrics.is_discarded()) metrics = outcome.metrics;
  end("done", numeric_leaves(metrics));
  if (!report_) return;
  try {
    write_run_report(run_, metrics);
  } catch (const std::exception& e) {
    spdlog::warn("{}: report.html not written: {}", run_.dir(), e.what());
  }
}

void RunRecord::fail() { end("failed", nlohmann::json::object()); }

}  // namespace llmedit
