// `llmedit run SWEEP --emit slurm`: instead of running a sweep here, write each run's config and
// one Slurm array script (one task per run) so a cluster's scheduler runs them. Each task runs
// the same `llmedit run` as a local sweep would, into the same run folder, and is safe to
// resubmit: a finished run is skipped, a half-done one resumes from its checkpoint.
#pragma once
#include <string>

#include "libllmedit/runs/sweep_plan.h"

namespace llmedit {

struct SlurmOptions {
  std::string partition;  // required
  int gpus_per_run = 0;   // --gres=gpu:N; 0 asks for none
  int cpus_per_run = 0;   // --cpus-per-task; 0 leaves the cluster's default
  std::string time_limit; // --time, e.g. 04:00:00; "" leaves the default
  std::string llmedit;    // the binary the tasks run (absolute)
  std::string workdir;    // where the tasks start: config paths are relative to it
};

std::string slurm_array_script(const SweepPlan& plan, const SlurmOptions& options);

// Saves the plan (save_sweep_plan), then writes <sweep>/configs/<label>.json, <sweep>/logs/ and
// <sweep>/sweep.sbatch; returns the script's path. Options are checked before anything is written.
std::string emit_slurm_array(const SweepPlan& plan, const SlurmOptions& options);

}  // namespace llmedit
