#include "libllmedit/jobs/pipeline_job.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>

#include "libllmedit/core/atomic_file.h"
#include "libllmedit/core/error.h"
#include "libllmedit/core/logging.h"
#include "libllmedit/jobs/run_or_resume.h"
#include "libllmedit/jobs/run_record.h"
#include "libllmedit/report/comparison_table.h"

namespace llmedit {

namespace {

namespace fs = std::filesystem;

struct PipelineStep {
  std::string name;
  nlohmann::json config;  // a file path (string) or an inline config (object)
  nlohmann::json set;     // dotted key -> value, after `step_defaults`
};

void declare_pipeline_options(ConfigSchema& s) {
  s.required("steps", OptionType::Array,
             "the steps, in order: {\"name\", \"config\": file or inline object, \"set\": {dotted key: value}}; "
             "values may name an earlier step's run folder as ${steps.<name>}");
  s.option("step_defaults", nlohmann::json::object(), "dotted key -> value set in every step before its own \"set\"");
  s.option("compare.steps", nlohmann::json::array(), "rows of the comparison table (empty: every step)");
  s.option("compare.columns", nlohmann::json::array(),
           "columns of the comparison table: {\"title\", \"key\": dotted key into a step's metrics.json}");
  s.option("compare.digits", 3, "decimals shown in the comparison table");
  s.option("compare.pairs", nlohmann::json::array(),
           "rows comparing two steps, each cell \"before → after\": [{\"title\": ..., \"before\": step, \"after\": step}]");
  s.option("compare.append_summaries", nlohmann::json::array(),
           "steps whose own summary.md is appended to the pipeline's (e.g. audits, whose findings are tables)");
}

std::vector<PipelineStep> read_steps(const nlohmann::json& c, const std::string& source) {
  static const std::regex kName("[A-Za-z0-9_-]+");
  std::vector<PipelineStep> steps;
  std::set<std::string> seen;
  const nlohmann::json& list = config_value(c, "steps");
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string where = source + ": steps[" + std::to_string(i) + "]";
    const nlohmann::json& step = list[i];
    if (!step.is_object()) throw config_error(where + " must be an object, got " + step.dump());
    for (const auto& [key, value] : step.items())
      if (key != "name" && key != "config" && key != "set")
        throw config_error(where + ": unknown key '" + key + "' (known: name, config, set)");
    PipelineStep out;
    if (!step.contains("name") || !step["name"].is_string() || !std::regex_match(step["name"].get<std::string>(), kName))
      throw config_error(where + ".name must be a string of letters, digits, '_' or '-', got " + step.value("name", nlohmann::json()).dump());
    out.name = step["name"];
    if (!seen.insert(out.name).second) throw config_error(where + ".name \"" + out.name + "\" is used by an earlier step");
    if (!step.contains("config") || !(step["config"].is_string() || step["config"].is_object()))
      throw config_error(where + ".config must be a config file or an inline config object, got " +
                         step.value("config", nlohmann::json()).dump());
    out.config = step["config"];
    out.set = step.value("set", nlohmann::json::object());
    if (!out.set.is_object()) throw config_error(where + ".set must be an object of dotted keys, got " + out.set.dump());
    steps.push_back(std::move(out));
  }
  if (steps.empty()) throw config_error(source + ": steps is empty");
  return steps;
}

// Replaces ${steps.<name>} in every string of `value` by that step's folder; a name that is not
// an earlier step is a config error.
nlohmann::json substitute(nlohmann::json value, const std::map<std::string, std::string>& earlier, const std::string& where) {
  if (value.is_string()) {
    static const std::regex kRef(R"(\$\{steps\.([A-Za-z0-9_-]+)\})");
    std::string text = value.get<std::string>(), out;
    std::smatch m;
    while (std::regex_search(text, m, kRef)) {
      auto it = earlier.find(m[1].str());
      if (it == earlier.end()) throw config_error(where + ": ${steps." + m[1].str() + "} is not an earlier step");
      out += m.prefix().str() + it->second;
      text = m.suffix().str();
    }
    return out + text;
  }
  if (value.is_array() || value.is_object())
    for (auto& item : value) item = substitute(item, earlier, where);
  return value;
}

std::string step_dir(const std::string& pipeline_dir, const std::string& name) { return pipeline_dir + "/steps/" + name; }

// The step's config: its file or object, then step_defaults, its own set, and its run folder.
LoadedConfig step_config(const PipelineStep& step, const nlohmann::json& c, const std::string& pipeline_dir,
                         const std::map<std::string, std::string>& earlier, const std::string& source,
                         const JobRegistry& registry) {
  const std::string where = source + ": step \"" + step.name + "\"";
  nlohmann::json raw = step.config.is_string() ? load_config_file(step.config.get<std::string>()) : step.config;
  for (const nlohmann::json* set : {&config_value(c, "step_defaults"), &step.set})
    for (const auto& [key, value] : set->items()) apply_override(raw, key + "=" + substitute(value, earlier, where).dump());
  raw["output"]["dir"] = step_dir(pipeline_dir, step.name);
  // Steps register in the pipeline's run index unless they name their own.
  if (!raw["output"].contains("index")) {
    const std::string index = run_index_path(c);
    raw["output"]["index"] = index.empty() ? "none" : index;
  }
  const std::string step_source = step.config.is_string() ? step.config.get<std::string>() + " (" + where + ")" : where;
  return resolve_job_config(raw, step_source, registry);
}

// Every step's config resolves (with placeholder folders) before anything runs.
void validate_pipeline(const nlohmann::json& resolved, const SchemaContext& context) {
  std::map<std::string, std::string> earlier;
  for (const PipelineStep& step : read_steps(resolved, context.source)) {
    step_config(step, resolved, "<run>", earlier, context.source, context.jobs);
    earlier[step.name] = step_dir("<run>", step.name);
  }
  for (const char* key : {"compare.steps", "compare.append_summaries"})
    for (const std::string& name : config_get<std::vector<std::string>>(resolved, key))
      if (!earlier.count(name)) throw config_error(context.source + ": " + key + " names \"" + name + "\", which is not a step");
  for (const nlohmann::json& pair : config_value(resolved, "compare.pairs")) {
    bool ok = pair.is_object();
    for (const char* field : {"title", "before", "after"}) ok = ok && pair.contains(field) && pair[field].is_string();
    if (!ok)
      throw config_error(context.source + ": compare.pairs entries must be {\"title\", \"before\", \"after\"} strings, got " +
                         pair.dump());
    for (const char* field : {"before", "after"})
      if (!earlier.count(pair[field].get<std::string>()))
        throw config_error(context.source + ": compare.pairs names \"" + pair[field].get<std::string>() + "\", which is not a step");
  }
  for (const nlohmann::json& column : config_value(resolved, "compare.columns"))
    if (!column.is_object() || !column.contains("title") || !column.contains("key") || !column["title"].is_string() ||
        !column["key"].is_string())
      throw config_error(context.source + ": compare.columns entries must be {\"title\": ..., \"key\": ...}, got " + column.dump());
}

std::string comparison_section(const nlohmann::json& c, const std::string& dir, const nlohmann::json& step_metrics,
                               const std::vector<PipelineStep>& steps) {
  std::vector<ComparisonColumn> columns;
  for (const nlohmann::json& column : config_value(c, "compare.columns")) columns.push_back({column["title"], column["key"]});
  auto rows = config_get<std::vector<std::string>>(c, "compare.steps");
  if (rows.empty())
    for (const PipelineStep& step : steps) rows.push_back(step.name);
  std::vector<std::pair<std::string, nlohmann::json>> runs;
  for (const std::string& row : rows) runs.emplace_back(row, step_metrics.value(row, nlohmann::json::object()));
  std::string out = "# pipeline " + config_get<std::string>(c, "name") + "\n\n";
  const int digits = config_get<int>(c, "compare.digits");
  if (!columns.empty()) out += comparison_markdown(runs, columns, digits) + "\n";
  std::vector<ComparisonPair> pairs;
  for (const nlohmann::json& pair : config_value(c, "compare.pairs"))
    pairs.push_back({pair["title"], step_metrics.value(pair["before"].get<std::string>(), nlohmann::json::object()),
                     step_metrics.value(pair["after"].get<std::string>(), nlohmann::json::object())});
  if (!pairs.empty() && !columns.empty()) out += "Before → after:\n\n" + paired_comparison_markdown(pairs, columns, digits) + "\n";
  out += "Steps (each a run folder with its own summary.md):\n\n";
  for (const PipelineStep& step : steps) out += "- `steps/" + step.name + "`\n";
  for (const std::string& name : config_get<std::vector<std::string>>(c, "compare.append_summaries")) {
    const std::string path = step_dir(dir, name) + "/summary.md";
    if (fs::exists(path)) out += "\n---\n\n## step " + name + "\n\n" + read_text_file(path);
  }
  return out;
}

JobOutcome run_pipeline(JobContext& context) {
  const nlohmann::json& c = context.config;
  const std::string source = context.run.path("config.resolved.json");
  const std::vector<PipelineStep> steps = read_steps(c, source);
  std::map<std::string, std::string> earlier;
  JobOutcome outcome;
  nlohmann::json step_metrics = nlohmann::json::object();
  for (size_t i = 0; i < steps.size(); ++i) {
    const PipelineStep& step = steps[i];
    const std::string dir = step_dir(context.run.dir(), step.name);
    // Progress, not a warning: printed at every log level, like the progress bars.
    std::cerr << "pipeline step " << i + 1 << "/" << steps.size() << ": " << step.name << std::endl;
    const RunAttempt attempt = run_or_resume(
        dir, [&] { return step_config(step, c, context.run.dir(), earlier, source, context.jobs); }, context.jobs,
        context.interrupt);
    if (attempt.done_earlier) spdlog::info("pipeline step {}: done earlier", step.name);
    if (attempt.result.outcome.interrupted) {
      outcome.interrupted = true;
      return outcome;
    }
    step_metrics[step.name] = attempt.result.outcome.metrics;
    earlier[step.name] = dir;
  }
  outcome.metrics = {{"steps", step_metrics}};
  context.run.write_metrics(outcome.metrics);
  context.run.write_summary(comparison_section(c, context.run.dir(), step_metrics, steps));
  return outcome;
}

}  // namespace

JobKind pipeline_job_kind() {
  JobKind kind;
  kind.name = "pipeline";
  kind.help = "run other configs as steps of one run and compare their metrics in one table";
  kind.declare = declare_pipeline_options;
  kind.validate = validate_pipeline;
  kind.run = run_pipeline;
  return kind;
}

}  // namespace llmedit
