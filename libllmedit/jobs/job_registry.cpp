#include "libllmedit/jobs/job_registry.h"

#include "libllmedit/core/error.h"
#include "libllmedit/core/interrupt.h"
#include "libllmedit/core/logging.h"
#include "libllmedit/core/runtime.h"
#include "libllmedit/jobs/run_record.h"
#include "libllmedit/train/trainer.h"

namespace llmedit {

void JobRegistry::add(JobKind kind) {
  if (kinds_.count(kind.name)) throw Error(ErrorKind::Internal, "job '" + kind.name + "' registered twice");
  kinds_.emplace(kind.name, std::move(kind));
}

const JobKind& JobRegistry::get(const std::string& name, const std::string& source) const {
  auto it = kinds_.find(name);
  if (it != kinds_.end()) return it->second;
  std::string known;
  for (const auto& [n, kind] : kinds_) known += (known.empty() ? "" : ", ") + n;
  throw config_error(source + ": key 'job' must be one of: " + known + "; got \"" + name + "\"");
}

std::vector<std::string> JobRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& [name, kind] : kinds_) out.push_back(name);
  return out;
}

void declare_common_options(ConfigSchema& s, const JobRegistry& registry) {
  s.required("job", OptionType::String, "what this config does", registry.names());
  s.option("name", "", "run name, used in the run folder's name (default: the job)");
  s.option("seed", 0, "seed for data order, sampling and initialization");
  s.option("threads", 0, "CPU threads for LibTorch (0: all cores)");
  s.option("device", "auto", "where tensors live: cpu, cuda, or auto (cuda when present)", {"auto", "cpu", "cuda"});
  s.optional("model.path", OptionType::String, "Hugging Face model folder or llama2.c .bin file");
  s.option("model.dtype", "float32", "compute dtype", {"float32", "bfloat16", "float16"});
  s.option("model.tokenizer", "", "tokenizer folder or file (default: model.path)");
  s.option("model.chat_template", "auto",
           "prompt format: auto (from tokenizer_config.json, else qa), llama2, llama3, chatml, qwen3, mistral, gemma, qa");
  s.option("output.dir", "", "run folder (default: <output.root>/<name>-<time>)");
  s.option("output.root", "runs", "where run folders are created when output.dir is empty");
  s.option("output.index", "", "the run index this run registers in (default: <output.root>/index.sqlite; none: no index)");
  s.option("output.report", true, "write report.html (tables and SVG charts) into the run folder when the run ends");
}

LoadedConfig resolve_job_config(const nlohmann::json& raw, const std::string& source, const JobRegistry& registry) {
  if (!raw.is_object()) throw config_error(source + ": a config must be a JSON object");
  if (!raw.contains("job")) {
    std::string known;
    for (const std::string& n : registry.names()) known += (known.empty() ? "" : ", ") + n;
    throw config_error(source + ": missing required key 'job' (one of: " + known + ")");
  }
  if (!raw["job"].is_string()) throw config_error(source + ": key 'job' must be a string, got " + raw["job"].dump());
  const JobKind& kind = registry.get(raw["job"].get<std::string>(), source);
  LoadedConfig out;
  out.source = source;
  declare_common_options(out.schema, registry);
  kind.declare(out.schema);
  const SchemaContext context{raw, source, registry.methods(), registry};
  if (kind.declare_dependent) kind.declare_dependent(out.schema, context);
  out.resolved = resolve_config(raw, out.schema, source);
  if (kind.validate) kind.validate(out.resolved, context);
  return out;
}

LoadedConfig load_job_config(const std::string& path, const std::vector<std::string>& overrides,
                             const JobRegistry& registry) {
  nlohmann::json raw = load_config_file(path);
  for (const std::string& assignment : overrides) apply_override(raw, assignment);
  return resolve_job_config(raw, path, registry);
}

namespace {

// A resumed run keeps the log records its newest checkpoint covers and drops those of the attempt
// that was stopped; a job that keeps no checkpoint (edit, temporal, audit) starts its log over.
void trim_log_for_resume(RunFolder& run) {
  int64_t step = 0;
  if (latest_checkpoint(run.checkpoint_dir(), &step).empty()) run.clear_train_log();
  else run.truncate_train_log(step);
}

RunResult run_in(RunFolder& run, const LoadedConfig& config, const JobRegistry& registry, bool resuming,
                 const InterruptGuard* interrupt) {
  set_num_threads(config_get<int>(config.resolved, "threads"));
  const JobKind& kind = registry.get(config_get<std::string>(config.resolved, "job"), config.source);
  spdlog::info("{} run in {}", kind.name, run.dir());
  JobContext context{config.resolved, run, resuming, interrupt, registry.methods(), registry};
  RunRecord record(config.resolved, run);
  if (resuming) trim_log_for_resume(run);
  try {
    RunResult result{run.dir(), JobOutcome{}};
    try {
      result.outcome = kind.run(context);
    } catch (const Interrupted& stop) {
      // Work that stopped with nothing to return: the run ends "interrupted", and --resume runs
      // the job again from whatever it saved.
      spdlog::warn("{} job stopped: {}", kind.name, stop.what());
      result.outcome.interrupted = true;
    }
    record.finish(result.outcome);
    return result;
  } catch (...) {
    record.fail();
    throw;
  }
}

}  // namespace

RunResult run_job(const LoadedConfig& config, const JobRegistry& registry, const InterruptGuard* interrupt) {
  std::string dir = config_get<std::string>(config.resolved, "output.dir");
  if (dir.empty()) {
    std::string name = config_get<std::string>(config.resolved, "name");
    if (name.empty()) name = config_get<std::string>(config.resolved, "job");
    dir = RunFolder::default_dir(config_get<std::string>(config.resolved, "output.root"), name);
  }
  RunFolder run = RunFolder::create(dir, config.resolved);
  return run_in(run, config, registry, false, interrupt);
}

RunResult resume_job(const std::string& dir, const JobRegistry& registry, const InterruptGuard* interrupt) {
  RunFolder run = RunFolder::open(dir);
  const LoadedConfig config = resolve_job_config(run.config(), run.path("config.resolved.json"), registry);
  return run_in(run, config, registry, true, interrupt);
}

}  // namespace llmedit
