#include "libllmedit/jobs/temporal_job.h"

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "libllmedit/core/error.h"
#include "libllmedit/core/interrupt.h"
#include "libllmedit/core/logging.h"
#include "libllmedit/core/progress.h"
#include "libllmedit/data/atoke.h"
#include "libllmedit/data/counterfact.h"
#include "libllmedit/edit/key_statistics.h"
#include "libllmedit/edit/weight_restorer.h"
#include "libllmedit/eval/temporal_scores.h"
#include "libllmedit/jobs/model_setup.h"
#include "libllmedit/model/causal_lm.h"
#include "libllmedit/report/summary.h"

namespace llmedit {

namespace {

constexpr const char* kNoWrapper = "none";

void declare_temporal_options(ConfigSchema& s) {
  s.required("data.atoke", OptionType::Array, "AToKe-format JSON files (SE, ME, EE), each scored on its own");
  s.option("data.max_cases", 0, "edit the first N cases of each file (0: all)");
  s.option("temporal.edit_prompt", "prompt",
           "the editor alone edits each step's prompt (no time) or its time_prompt", {"prompt", "time_prompt"});
  s.option("eval.scorer", "match",
           "match: the greedy continuation contains the gold or an alias; nll: the gold's NLL is below the competitor's",
           {"match", "nll"});
  s.option("eval.max_new_tokens", 20, "greedy tokens per query (match scorer)");
  s.option("eval.batch_size", 32, "prompts per generation or scoring batch");
}

void declare_methods(ConfigSchema& s, const SchemaContext& context) {
  s.required("method.name", OptionType::String, "the editor", context.methods.names(MethodFamily::Edit));
  std::vector<std::string> wrappers = {kNoWrapper};
  for (const std::string& name : context.methods.names(MethodFamily::Temporal)) wrappers.push_back(name);
  s.option("temporal.method", kNoWrapper, "the temporal method wrapping the editor (none: the editor alone)", wrappers);
  const nlohmann::json& method = context.raw.value("method", nlohmann::json());
  if (method.is_object() && method.value("name", nlohmann::json()).is_string())
    context.methods.editor(method["name"].get<std::string>(), context.source).declare(s);
  const nlohmann::json& temporal = context.raw.value("temporal", nlohmann::json());
  if (temporal.is_object() && temporal.value("method", nlohmann::json()).is_string()) {
    const std::string name = temporal["method"].get<std::string>();
    // An unknown name is left to the choice check above, which names temporal.method.
    if (context.methods.contains(MethodFamily::Temporal, name)) context.methods.temporal_editor(name, context.source).declare(s);
  }
}

std::string wrapper_name(const nlohmann::json& c) { return config_get<std::string>(c, "temporal.method"); }

void validate_temporal(const nlohmann::json& resolved, const SchemaContext& context) {
  try {
    context.methods.editor(config_get<std::string>(resolved, "method.name"), context.source).create(resolved);
    if (wrapper_name(resolved) != kNoWrapper)
      context.methods.temporal_editor(wrapper_name(resolved), context.source).create(resolved);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::Config) throw;
    throw config_error(context.source + ": " + e.what());
  }
  const nlohmann::json& files = config_value(resolved, "data.atoke");
  if (files.empty()) throw config_error(context.source + ": data.atoke names no file");
  for (const nlohmann::json& f : files)
    if (!f.is_string()) throw config_error(context.source + ": data.atoke entries must be file names, got " + f.dump());
  if (config_get<int64_t>(resolved, "data.max_cases") < 0)
    throw config_error(context.source + ": data.max_cases must be non-negative");
  if (config_get<int64_t>(resolved, "eval.max_new_tokens") < 1 || config_get<int64_t>(resolved, "eval.batch_size") < 1)
    throw config_error(context.source + ": eval.max_new_tokens and eval.batch_size must be at least 1");
}

// The model-time object: the continuation up to its first clause break.
std::string first_clause(std::string text) {
  for (const char* stop : {"\n", ", ", ". "}) {
    const size_t at = text.find(stop);
    if (at != std::string::npos) text.resize(at);
  }
  while (!text.empty() && (text.back() == '.' || text.back() == ' ')) text.pop_back();
  const size_t start = text.find_first_not_of(' ');
  return start == std::string::npos ? "" : text.substr(start);
}

struct CaseRun {
  std::vector<nlohmann::json> rows;    // predictions, one per step plus the unedited and HES* rows
  std::vector<QueryResult> edited;     // every query scored after an edit
  std::vector<QueryResult> unedited;   // step 0's queries on the unedited model
  bool model_time_known = false;
  double edit_seconds = 0;
  size_t steps = 0;
};

nlohmann::json results_json(const std::vector<QueryResult>& results) {
  nlohmann::json out = nlohmann::json::array();
  for (const QueryResult& r : results) out.push_back(r.to_json());
  return out;
}

// Everything one job needs to edit and score a case.
struct TemporalSetup {
  CausalLM& model;
  Editor& editor;
  TemporalEditor* wrapper;  // null: the editor alone
  EditInputs inputs;        // model, tokenizer, statistics, cache, log
  TemporalScorer scorer;
  bool time_prompt;
  ModelAnswerer& answerer;
};

EditOutcome edit_step(TemporalSetup& s, const AtokeCase& c, size_t step, const std::string& model_time_object) {
  if (s.wrapper) {
    TemporalEditInputs t;
    t.edit = s.inputs;
    t.editor = &s.editor;
    t.atoke_case = &c;
    t.step = step;
    t.model_time_object = model_time_object;
    return s.wrapper->edit(t);
  }
  const AtokeStep& st = c.requested_rewrite[step];
  const std::vector<EditRequest> requests = {{s.time_prompt ? st.time_prompt : st.prompt, st.subject, st.target_new.str,
                                              st.target_true.str, st.relation_id, st.target_new.id, st.target_true.id}};
  EditInputs inputs = s.inputs;
  inputs.requests = &requests;
  return s.editor.edit(inputs);
}

CaseRun run_case(TemporalSetup& s, const AtokeCase& c, const WeightRestorer& restorer, const std::string& label) {
  CaseRun run;
  const AtokeEvaluation& current = c.requested_rewrite.at(0).evaluation;
  const std::string model_time_object = first_clause(s.answerer.continuations({current.completion}).at(0));
  run.model_time_known = continuation_matches(model_time_object, with_aliases(c.answer, c.answer_alias, 0));
  run.unedited = score_queries(s.answerer, step_queries(c, 0), s.scorer);
  run.rows.push_back({{"file", label}, {"case_id", c.case_id}, {"stage", "unedited"},
                      {"model_time_object", model_time_object}, {"queries", results_json(run.unedited)}});
  EditOutcome changed;
  for (size_t step = 0; step < c.requested_rewrite.size(); ++step) {
    const auto start = std::chrono::steady_clock::now();
    EditOutcome outcome = edit_step(s, c, step, model_time_object);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    run.edit_seconds += seconds;
    ++run.steps;
    for (auto& d : outcome.deltas) changed.deltas.push_back(std::move(d));
    const std::vector<QueryResult> results = score_queries(s.answerer, step_queries(c, step), s.scorer);
    run.edited.insert(run.edited.end(), results.begin(), results.end());
    run.rows.push_back({{"file", label}, {"case_id", c.case_id}, {"stage", "step"}, {"step", step},
                        {"edit_seconds", seconds}, {"queries", results_json(results)}});
  }
  const std::vector<QueryResult> star = score_queries(s.answerer, final_history_queries(c), s.scorer);
  run.edited.insert(run.edited.end(), star.begin(), star.end());
  if (!star.empty())
    run.rows.push_back({{"file", label}, {"case_id", c.case_id}, {"stage", "after_last_step"}, {"queries", results_json(star)}});
  restorer.restore(s.model, changed);
  return run;
}

const std::vector<std::string>& table_columns() {
  static const std::vector<std::string> columns = {"CES", "CES-P", "CRS", "HES", "HRS", "HES*"};
  return columns;
}

std::string percent(const nlohmann::json& value) {
  if (!value.is_number()) return "–";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", 100.0 * value.get<double>());
  return buffer;
}

std::string score_table(const nlohmann::json& metrics) {
  std::string out = "| file | model | cases |";
  for (const std::string& c : table_columns()) out += " " + c + " |";
  out += "\n| --- | --- | --- |";
  for (size_t i = 0; i < table_columns().size(); ++i) out += " --- |";
  out += "\n";
  for (const auto& [label, edited] : metrics["atoke"].items()) {
    for (const auto& [name, scores] : {std::make_pair("unedited", metrics["atoke_unedited"][label]),
                                       std::make_pair("edited", edited)}) {
      out += "| " + label + " | " + name + " | " + metrics["temporal"]["cases"][label].dump() + " |";
      for (const std::string& c : table_columns()) out += " " + percent(scores[c]) + " |";
      out += "\n";
    }
  }
  return out;
}

JobOutcome run_temporal(JobContext& context) {
  const nlohmann::json& c = context.config;
  const std::string source = context.run.path("config.resolved.json");
  const std::string method = config_get<std::string>(c, "method.name"), wrapper_method = wrapper_name(c);
  std::unique_ptr<Editor> editor = context.methods.editor(method, source).create(c);
  std::unique_ptr<TemporalEditor> wrapper;
  if (wrapper_method != kNoWrapper) wrapper = context.methods.temporal_editor(wrapper_method, source).create(c);
  nlohmann::json method_options = {{"editor", editor->options_json()}};
  if (wrapper) method_options[wrapper_method] = wrapper->options_json();
  spdlog::info("temporal: {} {}", wrapper ? wrapper_method + " over " + method : method, method_options.dump());
  context.run.write_json("method_options.json", method_options);

  TokenizerSetup tokenizer = load_tokenizer_from_config(c, source);
  std::shared_ptr<CausalLM> model = load_model_from_config(c, source);
  model->eval();
  ModelAnswerer answerer(*model, *tokenizer.tokenizer, config_get<int64_t>(c, "eval.max_new_tokens"),
                         config_get<int64_t>(c, "eval.batch_size"));
  const TemporalScorer scorer = parse_temporal_scorer(config_get<std::string>(c, "eval.scorer"), "eval.scorer");
  TemporalSetup setup{*model, *editor, wrapper.get(), {}, scorer,
                      config_get<std::string>(c, "temporal.edit_prompt") == "time_prompt", answerer};
  setup.inputs.model = model.get();
  setup.inputs.tokenizer = tokenizer.tokenizer.get();
  setup.inputs.interrupt = context.interrupt;
  setup.inputs.model_info = {config_get<std::string>(c, "model.path"), config_get<std::string>(c, "model.dtype"),
                             model_weights_hash(*model)};
  setup.inputs.cache_dir = context.run.dir();
  setup.inputs.seed = config_get<uint64_t>(c, "seed");
  setup.inputs.progress = false;
  setup.inputs.log = [&](const nlohmann::json& record) { context.run.append_train_log(record); };
  const WeightRestorer restorer(*model, editor->edited_weights(*model));  // METO edits through the editor

  JobOutcome outcome;
  nlohmann::json known = nlohmann::json::object(), case_counts = nlohmann::json::object();
  std::vector<nlohmann::json> rows;
  double seconds = 0;
  size_t steps = 0;
  for (const std::string& file : config_get<std::vector<std::string>>(c, "data.atoke")) {
    std::vector<AtokeCase> cases = read_atoke_file(file);
    const auto max_cases = config_get<int64_t>(c, "data.max_cases");
    if (max_cases > 0 && static_cast<int64_t>(cases.size()) > max_cases) cases.resize(static_cast<size_t>(max_cases));
    const std::string label = atoke_file_label(file);
    TemporalScoreTable edited, unedited;
    int64_t known_cases = 0;
    ProgressBar bar("temporal " + label, static_cast<int64_t>(cases.size()), "case");
    for (size_t i = 0; i < cases.size(); ++i) {
      if (context.interrupt && context.interrupt->requested())
        throw Interrupted("before case " + std::to_string(i + 1) + " of " + label + " (cases keep no checkpoint)");
      CaseRun run = run_case(setup, cases[i], restorer, label);
      edited.add_case(run.edited);
      unedited.add_case(run.unedited);
      known_cases += run.model_time_known ? 1 : 0;
      seconds += run.edit_seconds;
      steps += run.steps;
      for (auto& row : run.rows) rows.push_back(std::move(row));
      bar.update(static_cast<int64_t>(i + 1));
    }
    bar.finish();
    outcome.metrics["atoke"][label] = edited.to_json();
    outcome.metrics["atoke_unedited"][label] = unedited.to_json();
    case_counts[label] = edited.cases();
    known[label] = cases.empty() ? 0.0 : static_cast<double>(known_cases) / static_cast<double>(cases.size());
  }
  outcome.metrics["temporal"] = {{"scorer", temporal_scorer_name(scorer)},
                                 {"editor", method},
                                 {"wrapper", wrapper_method},
                                 {"cases", case_counts},
                                 {"steps", steps},
                                 {"seconds_per_step", steps == 0 ? 0.0 : seconds / static_cast<double>(steps)},
                                 {"model_time_known", known}};
  context.run.write_predictions(rows);
  context.run.write_metrics(outcome.metrics);
  const std::string title = wrapper ? wrapper_method + " over " + method : method + " alone";
  context.run.write_summary("# temporal: " + title + "\n\nScorer: `" + temporal_scorer_name(scorer) +
                            "` (eval/temporal_scores.h). Scores in %; HES* is asked once after each case's last "
                            "step; EE cases have no history.\n\n" +
                            score_table(outcome.metrics) + "\n" + summary_markdown("temporal", c, outcome.metrics, {}));
  return outcome;
}

}  // namespace

std::string atoke_file_label(const std::string& path) {
  const std::string stem = std::filesystem::path(path).stem().string();
  return stem.rfind("AToKe-", 0) == 0 ? stem.substr(6) : stem;
}

JobKind temporal_job_kind() {
  JobKind kind;
  kind.name = "temporal";
  kind.help = "temporal editing on AToKe files: an editor alone or wrapped by METO, scored with CES, CES-P, CRS, HES, "
              "HRS and HES*";
  kind.declare = declare_temporal_options;
  kind.declare_dependent = declare_methods;
  kind.validate = validate_temporal;
  kind.run = run_temporal;
  return kind;
}

}  // namespace llmedit
