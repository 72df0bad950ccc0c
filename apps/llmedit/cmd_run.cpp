// llmedit run / config explain: jobs from JSON configs.
#include <iostream>

#include "apps/llmedit/commands.h"
#include "libllmedit/core/error.h"
#include "libllmedit/core/interrupt.h"
#include "libllmedit/jobs/job_registry.h"
#include "methods/register.h"

namespace llmedit::cli {

namespace {

struct RunOptions {
  std::string config;
  std::vector<std::string> overrides;
  std::string resume;
};

void run_command(const RunOptions& o) {
  if (o.config.empty() == o.resume.empty()) throw usage_error("run: give a CONFIG file or --resume RUN_DIR (not both)");
  if (!o.resume.empty() && !o.overrides.empty()) throw usage_error("run: --set cannot change a resumed run's config");
  const JobRegistry registry = builtin_registry();
  InterruptGuard interrupt;
  const RunResult result = o.resume.empty()
                               ? run_job(load_job_config(o.config, o.overrides, registry), registry, &interrupt)
                               : resume_job(o.resume, registry, &interrupt);
  print_run_result(result);
}

void explain_command(const RunOptions& o) {
  const JobRegistry registry = builtin_registry();
  const LoadedConfig config = load_job_config(o.config, o.overrides, registry);
  std::cout << explain_config(config.resolved, config.schema);
}

}  // namespace

JobRegistry builtin_registry() {
  JobRegistry registry;
  register_builtin_jobs(registry);
  register_builtin_methods(registry.methods());
  return registry;
}

void print_run_result(const RunResult& result) {
  if (result.outcome.interrupted) {
    std::cerr << "llmedit: interrupted; checkpoint saved. Continue with: llmedit run --resume " << result.dir << std::endl;
    std::exit(130);
  }
  std::cout << result.dir << std::endl;
}

void add_run_commands(CLI::App& app) {
  auto options = std::make_shared<RunOptions>();
  CLI::App* run = app.add_subcommand("run", "run the job a JSON config describes; prints the run folder");
  run->add_option("config", options->config, "config file");
  run->add_option("--set", options->overrides, "override a key: --set train.learning_rate=3e-5 (repeatable)");
  run->add_option("--resume", options->resume, "continue an interrupted run from its newest checkpoint");
  run->callback([options] { run_command(*options); });

  CLI::App* config = app.add_subcommand("config", "inspect configs");
  config->require_subcommand(1);
  CLI::App* explain = config->add_subcommand("explain", "print the resolved config: every option, its value, default and help");
  explain->add_option("config", options->config, "config file")->required();
  explain->add_option("--set", options->overrides, "override a key (repeatable)");
  explain->callback([options] { explain_command(*options); });
}

}  // namespace llmedit::cli
