// A run that is part of something larger (a pipeline step, a sweep run) and may have started in
// an earlier attempt: a folder with metrics.json finished and is not redone, a folder with only
// config.resolved.json is resumed from its checkpoint, and anything else runs from the start.
#pragma once
#include <functional>
#include <string>

#include "libllmedit/jobs/job_registry.h"

namespace llmedit {

struct RunAttempt {
  RunResult result;            // the metrics of a finished run are read from its metrics.json
  bool done_earlier = false;
};

// `config` is called only when the run starts afresh.
RunAttempt run_or_resume(const std::string& dir, const std::function<LoadedConfig()>& config, const JobRegistry& registry,
                         const InterruptGuard* interrupt);

// "done" (metrics.json), "unfinished" (config.resolved.json only) or "not started".
std::string run_folder_state(const std::string& dir);

}  // namespace llmedit
