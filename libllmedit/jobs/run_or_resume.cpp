#include "libllmedit/jobs/run_or_resume.h"

#include <filesystem>

#include "libllmedit/core/atomic_file.h"
#include "libllmedit/core/error.h"

namespace llmedit {

namespace fs = std::filesystem;

std::string run_folder_state(const std::string& dir) {
  if (fs::exists(dir + "/metrics.json")) return "done";
  if (fs::exists(dir + "/config.resolved.json")) return "unfinished";
  return "not started";
}

RunAttempt run_or_resume(const std::string& dir, const std::function<LoadedConfig()>& config, const JobRegistry& registry,
                         const InterruptGuard* interrupt) {
  const std::string state = run_folder_state(dir);
  if (state == "done") {
    const std::string file = dir + "/metrics.json";
    nlohmann::json metrics = nlohmann::json::parse(read_text_file(file), nullptr, false);
    if (metrics.is_discarded()) throw data_error(file + ": not valid JSON; delete it to run this run again");
    return {RunResult{dir, JobOutcome{metrics, false}}, true};
  }
  if (state == "unfinished") return {resume_job(dir, registry, interrupt), false};
  return {run_job(config(), registry, interrupt), false};
}

}  // namespace llmedit
