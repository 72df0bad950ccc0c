#include "libllmedit/runs/slurm_array.h"

#include <filesystem>

#include "libllmedit/core/atomic_file.h"
#include "libllmedit/core/error.h"

namespace llmedit {

namespace fs = std::filesystem;

namespace {

std::string quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string config_path(const SweepPlan& plan, const SweepRun& run) { return plan.dir + "/configs/" + run.label + ".json"; }

std::string sbatch_header(const SweepPlan& plan, const SlurmOptions& o) {
  const std::string dir = fs::absolute(plan.dir).lexically_normal().string();
  std::string out = "#!/bin/bash\n# The sweep in " + dir + " as a Slurm array, one task per run: sbatch " + dir +
                    "/sweep.sbatch\n# A task whose run finished is skipped; a half-done run resumes from its checkpoint.\n";
  out += "#SBATCH --job-name=" + fs::path(plan.dir).filename().string() + "\n";
  out += "#SBATCH --partition=" + o.partition + "\n";
  out += "#SBATCH --array=0-" + std::to_string(plan.runs.size() - 1) + "\n";
  if (o.gpus_per_run > 0) out += "#SBATCH --gres=gpu:" + std::to_string(o.gpus_per_run) + "\n";
  if (o.cpus_per_run > 0) out += "#SBATCH --cpus-per-task=" + std::to_string(o.cpus_per_run) + "\n";
  if (!o.time_limit.empty()) out += "#SBATCH --time=" + o.time_limit + "\n";
  out += "#SBATCH --output=" + dir + "/logs/%a.out\n";
  return out;
}

}  // namespace

std::string slurm_array_script(const SweepPlan& plan, const SlurmOptions& o) {
  std::string configs, dirs;
  for (const SweepRun& run : plan.runs) {
    configs += "  " + quoted(fs::absolute(config_path(plan, run)).lexically_normal().string()) + "\n";
    dirs += "  " + quoted(run.dir) + "\n";
  }
  return sbatch_header(plan, o) + "set -euo pipefail\ncd " + quoted(o.workdir) + "\nllmedit=" + quoted(o.llmedit) +
         "\nconfigs=(\n" + configs + ")\ndirs=(\n" + dirs + ")\n" +
         "config=${configs[$SLURM_ARRAY_TASK_ID]}\ndir=${dirs[$SLURM_ARRAY_TASK_ID]}\n"
         "if [ -f \"$dir/metrics.json\" ]; then echo \"llmedit: $dir finished earlier\"; exit 0; fi\n"
         "if [ -f \"$dir/config.resolved.json\" ]; then exec \"$llmedit\" run --resume \"$dir\"; fi\n"
         "exec \"$llmedit\" run \"$config\"\n";
}

std::string emit_slurm_array(const SweepPlan& plan, const SlurmOptions& o) {
  if (o.partition.empty()) throw usage_error("--emit slurm needs --partition P");
  if (o.gpus_per_run < 0) throw usage_error("--gpus-per-run must be 0 or more, got " + std::to_string(o.gpus_per_run));
  save_sweep_plan(plan);
  std::error_code ec;
  fs::create_directories(plan.dir + "/configs", ec);
  fs::create_directories(plan.dir + "/logs", ec);
  if (ec) throw usage_error(plan.dir + ": cannot create configs/ and logs/ (" + ec.message() + ")");
  for (const SweepRun& run : plan.runs) write_text_atomic(config_path(plan, run), run.config.dump(2) + "\n");
  const std::string script = plan.dir + "/sweep.sbatch";
  write_text_atomic(script, slurm_array_script(plan, o));
  fs::permissions(script, fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec, fs::perm_options::add, ec);
  return script;
}

}  // namespace llmedit
