// Running a sweep on this machine: every run's config is validated before the first run starts,
// then the runs go one after another in the sweep folder (finished runs are skipped, a half-done
// run resumes from its checkpoint), with a progress line per run, and the sweep's
// sweep_report.html and summary.md are rewritten after each run.
#pragma once
#include <string>

#include "libllmedit/jobs/job_registry.h"
#include "libllmedit/runs/sweep_plan.h"

namespace llmedit {

// Resolves every run's config (errors name the run and the values it sets).
void validate_sweep(const SweepPlan& plan, const JobRegistry& registry);

struct SweepResult {
  std::string dir;
  bool interrupted = false;  // Ctrl-C: the current run saved a checkpoint; resume the sweep later
};

SweepResult run_sweep(const SweepPlan& plan, const JobRegistry& registry, const InterruptGuard* interrupt);

// One line per run for --dry-run: label, what it sets, and its folder's state.
std::string sweep_listing(const SweepPlan& plan);

// Writes sweep_report.html and summary.md from the run folders as they are now (also after a
// Slurm array ran the sweep); returns the report's path.
std::string write_sweep_report(const SweepPlan& plan);
std::string write_sweep_report_of(const std::string& sweep_dir);

}  // namespace llmedit
