// Job kinds by name: each declares its config options and runs from a resolved config into a
// run folder. `llmedit run CONFIG` = load_job_config + run_job.
#pragma once
#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "libllmedit/core/config.h"
#include "libllmedit/methods_api/method_registry.h"
#include "libllmedit/report/run_folder.h"

namespace llmedit {

class InterruptGuard;
class JobRegistry;

struct JobContext {
  const nlohmann::json& config;  // resolved: every declared key present
  RunFolder& run;
  bool resuming = false;
  const InterruptGuard* interrupt = nullptr;
  const MethodRegistry& methods;  // where jobs find methods by name (never by including methods/)
  const JobRegistry& jobs;        // for jobs that run other jobs (pipeline)
};

// What a job's config-dependent declarations may look at: the raw config (before validation,
// e.g. its method.name) and the methods known to this program.
struct SchemaContext {
  const nlohmann::json& raw;
  const std::string& source;  // the file, for messages
  const MethodRegistry& methods;
  const JobRegistry& jobs;
};

struct JobOutcome {
  nlohmann::json metrics;    // also written to metrics.json by the job
  bool interrupted = false;  // stopped by Ctrl-C with a checkpoint saved; resume later
};

struct JobKind {
  std::string name;
  std::string help;
  std::function<void(ConfigSchema&)> declare;     // the job's own options (beyond the common ones)
  std::function<JobOutcome(JobContext&)> run;
  // Options that depend on the config itself, e.g. those of the method its method.name picks;
  // may be empty. Runs after `declare`.
  std::function<void(ConfigSchema&, const SchemaContext&)> declare_dependent;
  // Checks the resolved config beyond types and choices (e.g. builds the chosen method, whose
  // factory rejects bad values), so that errors surface before the run folder exists; may be empty.
  std::function<void(const nlohmann::json& resolved, const SchemaContext&)> validate;
};

class JobRegistry {
 public:
  void add(JobKind kind);  // an internal error when the name is taken
  // A config error listing the known jobs when `name` is not one of them.
  const JobKind& get(const std::string& name, const std::string& source) const;
  std::vector<std::string> names() const;

  // The methods the jobs may run (empty until the program registers some, e.g. with
  // register_builtin_methods from methods/register.h).
  MethodRegistry& methods() { return methods_; }
  const MethodRegistry& methods() const { return methods_; }

 private:
  std::map<std::string, JobKind> kinds_;
  MethodRegistry methods_;
};

// The built-in jobs: train, eval, unlearn, ...
void register_builtin_jobs(JobRegistry& registry);

// Options every job has: job, name, seed, threads, device, model.*, output.*.
void declare_common_options(ConfigSchema& schema, const JobRegistry& registry);

struct LoadedConfig {
  nlohmann::json resolved;
  ConfigSchema schema;
  std::string source;  // the file, for messages
};

// Reads `path` (following extends), applies `--set` overrides in order, picks the schema from
// its "job" and validates. Every config error surfaces here, before any work.
LoadedConfig load_job_config(const std::string& path, const std::vector<std::string>& overrides,
                             const JobRegistry& registry);
// Validates an already-merged config object (e.g. a run folder's config.resolved.json).
LoadedConfig resolve_job_config(const nlohmann::json& raw, const std::string& source, const JobRegistry& registry);

struct RunResult {
  std::string dir;
  JobOutcome outcome;
};

// Creates the run folder (output.dir or runs/<name>-<time>), sets threads, runs the job.
RunResult run_job(const LoadedConfig& config, const JobRegistry& registry, const InterruptGuard* interrupt);
// Continues the run in `dir` from its newest checkpoint with its own resolved config.
RunResult resume_job(const std::string& dir, const JobRegistry& registry, const InterruptGuard* interrupt);

}  // namespace llmedit
