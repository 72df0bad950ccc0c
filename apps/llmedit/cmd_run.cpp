// llmedit run / config explain: jobs from JSON configs, and sweeps (a config with a "sweep" key).
#include <filesystem>
#include <iostream>

#include "apps/llmedit/commands.h"
#include "libllmedit/core/error.h"
#include "libllmedit/core/interrupt.h"
#include "libllmedit/jobs/job_registry.h"
#include "libllmedit/jobs/sweep_runner.h"
#include "libllmedit/runs/slurm_array.h"
#include "methods/register.h"

namespace llmedit::cli {

namespace {

struct RunOptions {
  std::string config;
  std::vector<std::string> overrides;
  std::string resume;
  bool dry_run = false;
  std::string emit;  // "slurm"
  SlurmOptions slurm;
};

nlohmann::json load_raw_config(const RunOptions& o) {
  nlohmann::json raw = load_config_file(o.config);
  for (const std::string& assignment : o.overrides) apply_override(raw, assignment);
  return raw;
}

// Lists, emits or runs the sweep; every run's config is validated first.
void sweep_command(const SweepPlan& plan, const RunOptions& o, const JobRegistry& registry) {
  validate_sweep(plan, registry);
  if (o.dry_run) {
    std::cout << sweep_listing(plan);
    return;
  }
  if (!o.emit.empty()) {
    if (o.emit != "slurm") throw usage_error("--emit: the only target is slurm, got '" + o.emit + "'");
    SlurmOptions slurm = o.slurm;
    slurm.llmedit = std::filesystem::read_symlink("/proc/self/exe").string();
    slurm.workdir = std::filesystem::current_path().string();
    std::cout << emit_slurm_array(plan, slurm) << std::endl;
    return;
  }
  InterruptGuard interrupt;
  const SweepResult result = run_sweep(plan, registry, &interrupt);
  if (result.interrupted) {
    std::cerr << "llmedit: sweep interrupted; checkpoint saved. Continue with: llmedit run --resume " << result.dir << std::endl;
    std::exit(interrupt.exit_code());
  }
  std::cout << result.dir << std::endl;
}

void run_command(const RunOptions& o) {
  if (o.config.empty() == o.resume.empty()) throw usage_error("run: give a CONFIG file or --resume RUN_DIR (not both)");
  if (!o.resume.empty() && !o.overrides.empty()) throw usage_error("run: --set cannot change a resumed run's config");
  const JobRegistry registry = builtin_registry();
  if (!o.resume.empty() && is_sweep_dir(o.resume)) return sweep_command(load_sweep_plan(o.resume), o, registry);
  const nlohmann::json raw = o.resume.empty() ? load_raw_config(o) : nlohmann::json();
  if (has_sweep(raw)) return sweep_command(plan_sweep(raw, o.config), o, registry);
  if (o.dry_run || !o.emit.empty()) throw usage_error("run: --dry-run and --emit are for sweeps (a config with a \"sweep\" key)");
  InterruptGuard interrupt;
  const RunResult result = o.resume.empty() ? run_job(resolve_job_config(raw, o.config, registry), registry, &interrupt)
                                            : resume_job(o.resume, registry, &interrupt);
  print_run_result(result, interrupt);
}

// A sweep's config explains as its runs' shared part.
void explain_command(const RunOptions& o) {
  const JobRegistry registry = builtin_registry();
  nlohmann::json raw = load_raw_config(o);
  raw.erase("sweep");
  const LoadedConfig config = resolve_job_config(raw, o.config, registry);
  std::cout << explain_config(config.resolved, config.schema);
}

}  // namespace

JobRegistry builtin_registry() {
  JobRegistry registry;
  register_builtin_jobs(registry);
  register_builtin_methods(registry.methods());
  return registry;
}

void print_run_result(const RunResult& result, const InterruptGuard& interrupt) {
  if (result.outcome.interrupted) {
    std::cerr << "llmedit: interrupted; checkpoint saved. Continue with: llmedit run --resume " << result.dir << std::endl;
    std::exit(interrupt.exit_code());
  }
  std::cout << result.dir << std::endl;
}

void add_run_commands(CLI::App& app) {
  auto options = std::make_shared<RunOptions>();
  CLI::App* run = app.add_subcommand("run", "run the job a JSON config describes; prints the run folder");
  run->add_option("config", options->config, "config file");
  run->add_option("--set", options->overrides, "override a key: --set train.learning_rate=3e-5 (repeatable)");
  run->add_option("--resume", options->resume, "continue an interrupted run (or sweep folder) from its newest checkpoint");
  run->add_flag("--dry-run", options->dry_run, "sweeps: list the runs and their state, run nothing");
  run->add_option("--emit", options->emit, "sweeps: write a Slurm array script and the runs' configs instead of running (slurm)");
  run->add_option("--partition", options->slurm.partition, "--emit slurm: the partition");
  run->add_option("--gpus-per-run", options->slurm.gpus_per_run, "--emit slurm: GPUs per run (--gres=gpu:N)");
  run->add_option("--cpus-per-run", options->slurm.cpus_per_run, "--emit slurm: CPUs per run (--cpus-per-task)");
  run->add_option("--time", options->slurm.time_limit, "--emit slurm: time limit per run, e.g. 04:00:00");
  run->callback([options] { run_command(*options); });

  CLI::App* config = app.add_subcommand("config", "inspect configs");
  config->require_subcommand(1);
  CLI::App* explain = config->add_subcommand("explain", "print the resolved config: every option, its value, default and help");
  explain->add_option("config", options->config, "config file")->required();
  explain->add_option("--set", options->overrides, "override a key (repeatable)");
  explain->callback([options] { explain_command(*options); });
}

}  // namespace llmedit::cli
