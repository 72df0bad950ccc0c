#include "libllmedit/jobs/edit_job.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>

#include "libllmedit/core/error.h"
#include "libllmedit/core/interrupt.h"
#include "libllmedit/core/logging.h"
#include "libllmedit/core/progress.h"
#include "libllmedit/data/counterfact.h"
#include "libllmedit/edit/key_statistics.h"
#include "libllmedit/edit/weight_restorer.h"
#include "libllmedit/eval/edit_metrics.h"
#include "libllmedit/jobs/lora_setup.h"
#include "libllmedit/jobs/model_setup.h"
#include "libllmedit/report/summary.h"

namespace llmedit {

namespace {

void declare_edit_options(ConfigSchema& s) {
  s.required("data.requests", OptionType::String, "CounterFact-layout JSON file with the edit requests");
  s.option("data.max_requests", 0, "edit the first N requests of the file (0: all)");
  s.option("edit.mode", "sequential_restore",
           "sequential_restore: each request alone, weights restored between; batch: all in one edit; sequential: "
           "one after another without restoring",
           {"sequential_restore", "batch", "sequential"});
  s.option("edit.batch_size", 0,
           "requests per edit in mode batch (0: all in one); smaller batches are each edited, measured and undone "
           "before the next, as EasyEdit's batch_edit does");
  s.option("eval.enabled", true, "measure efficacy, paraphrase, neighborhood, fluency and exact match before and after");
  s.option("eval.generation_tokens", 40, "greedy tokens per generation prompt for the fluency entropy (0: skip fluency)");
  s.option("eval.batch_size", 32, "sequences per forward when scoring");
  s.option("output.save_model", false, "save the edited model in the run folder (edit.mode batch or sequential)");
  s.option("output.save_dtype", "", "dtype of the saved weights (empty: the compute dtype)", {"", "float32", "bfloat16", "float16"});
}

void declare_method_options(ConfigSchema& s, const SchemaContext& context) {
  s.required("method.name", OptionType::String, "the editing method", context.methods.names(MethodFamily::Edit));
  if (!context.raw.contains("method") || !context.raw["method"].is_object()) return;
  const nlohmann::json& name = context.raw["method"].value("name", nlohmann::json());
  if (!name.is_string()) return;
  context.methods.editor(name.get<std::string>(), context.source).declare(s);
}

void validate_method(const nlohmann::json& resolved, const SchemaContext& context) {
  const auto& spec = context.methods.editor(config_get<std::string>(resolved, "method.name"), context.source);
  try {
    spec.create(resolved);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::Config) throw;
    throw config_error(context.source + ": " + e.what());
  }
  if (config_get<int64_t>(resolved, "data.max_requests") < 0)
    throw config_error(context.source + ": data.max_requests must be non-negative");
  const auto batch_size = config_get<int64_t>(resolved, "edit.batch_size");
  const auto mode = config_get<std::string>(resolved, "edit.mode");
  const bool save_model = config_get<bool>(resolved, "output.save_model");
  if (batch_size < 0)
    throw config_error(context.source + ": edit.batch_size = " + std::to_string(batch_size) + " must be 0 (all) or more");
  if (batch_size > 0 && mode != "batch")
    throw config_error(context.source + ": edit.batch_size = " + std::to_string(batch_size) +
                       " needs edit.mode batch (edit.mode is " + mode + ")");
  if (save_model && batch_size > 0)
    throw config_error(context.source + ": output.save_model needs edit.batch_size 0 (each smaller batch is undone "
                       "after it is measured)");
  if (save_model && mode == "sequential_restore")
    throw config_error(context.source + ": output.save_model needs edit.mode batch or sequential (sequential_restore "
                       "puts the weights back after each request)");
}

std::vector<CaseSnapshot> snapshots(CausalLM& model, const Tokenizer& tokenizer, const std::vector<CounterFactCase>& cases,
                                    const EditMetricOptions& options, const std::string& label) {
  std::vector<CaseSnapshot> out;
  ProgressBar bar(label, static_cast<int64_t>(cases.size()), "request");
  for (size_t i = 0; i < cases.size(); ++i) {
    out.push_back(snapshot_case(model, tokenizer, cases[i], options));
    bar.update(static_cast<int64_t>(i + 1));
  }
  bar.finish();
  return out;
}

JobOutcome run_edit(JobContext& context) {
  const nlohmann::json& c = context.config;
  const std::string source = context.run.path("config.resolved.json");
  const std::string method = config_get<std::string>(c, "method.name");
  std::unique_ptr<Editor> editor = context.methods.editor(method, source).create(c);
  spdlog::info("method {} with {}", method, editor->options_json().dump());
  context.run.write_json("method_options.json", editor->options_json());

  std::vector<CounterFactCase> cases = read_counterfact_file(config_get<std::string>(c, "data.requests"));
  const auto max_requests = config_get<int64_t>(c, "data.max_requests");
  if (max_requests > 0 && static_cast<int64_t>(cases.size()) > max_requests) cases.resize(static_cast<size_t>(max_requests));
  std::vector<EditRequest> requests;
  for (const auto& cf : cases) requests.push_back(cf.requested_rewrite);

  TokenizerSetup tokenizer = load_tokenizer_from_config(c, source);
  std::shared_ptr<CausalLM> model = load_model_from_config(c, source);
  model->eval();
  EditInputs inputs;
  inputs.model = model.get();
  inputs.tokenizer = tokenizer.tokenizer.get();
  inputs.interrupt = context.interrupt;
  inputs.model_info = {config_get<std::string>(c, "model.path"), config_get<std::string>(c, "model.dtype"),
                       model_weights_hash(*model)};
  inputs.cache_dir = context.run.dir();
  inputs.seed = config_get<uint64_t>(c, "seed");
  // Editors number requests within one edit call; sequential modes make one call per request.
  size_t first_request = 0;
  inputs.log = [&](nlohmann::json record) {
    if (record.contains("request")) record["request"] = first_request + record["request"].get<size_t>();
    context.run.append_train_log(record);
  };

  EditMetricOptions metric_options;
  metric_options.generation_tokens = config_get<int64_t>(c, "eval.generation_tokens");
  metric_options.batch_size = config_get<int64_t>(c, "eval.batch_size");
  const bool evaluate = config_get<bool>(c, "eval.enabled");
  std::vector<CaseSnapshot> pre, post;
  if (evaluate) pre = snapshots(*model, *tokenizer.tokenizer, cases, metric_options, "pre-edit metrics");

  const std::string mode = config_get<std::string>(c, "edit.mode");
  std::vector<double> seconds(cases.size(), 0.0);
  auto timed_edit = [&](const std::vector<EditRequest>& batch) {
    const auto start = std::chrono::steady_clock::now();
    inputs.requests = &batch;
    EditOutcome outcome = editor->edit(inputs);
    return std::make_pair(std::move(outcome), std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  };
  // sequential_restore, and batch mode in batches smaller than all: edit a group of requests,
  // measure it, put the weights back.
  const auto batch_size = static_cast<size_t>(config_get<int64_t>(c, "edit.batch_size"));
  size_t group = 0;  // requests per edit that is undone after it is measured; 0: edits are kept
  if (mode == "sequential_restore") group = 1;
  if (mode == "batch" && batch_size > 0 && batch_size < cases.size()) group = batch_size;
  if (group > 0) {
    const WeightRestorer restorer(*model, editor->edited_weights(*model));
    spdlog::info("kept a copy of {} weight(s), {:.1f} MB, to restore after each edit", restorer.copied_weights(),
                 static_cast<double>(restorer.copied_bytes()) / 1e6);
    inputs.progress = group > 1;
    ProgressBar bar("edit " + method, static_cast<int64_t>(cases.size()), "request");
    for (size_t start = 0; start < cases.size(); start += group) {
      if (context.interrupt && context.interrupt->requested()) throw Interrupted("between two edits");
      const size_t end = std::min(cases.size(), start + group);
      first_request = start;
      auto [outcome, s] = timed_edit(std::vector<EditRequest>(requests.begin() + static_cast<int64_t>(start),
                                                              requests.begin() + static_cast<int64_t>(end)));
      for (size_t i = start; i < end; ++i) {
        seconds[i] = s / static_cast<double>(end - start);
        if (evaluate) post.push_back(snapshot_case(*model, *tokenizer.tokenizer, cases[i], metric_options));
      }
      restorer.restore(*model, outcome);
      bar.update(static_cast<int64_t>(end));
    }
    bar.finish();
  } else if (mode == "batch") {
    auto [outcome, s] = timed_edit(requests);
    for (double& x : seconds) x = s / static_cast<double>(cases.size());
  } else {
    for (size_t i = 0; i < cases.size(); ++i) {
      first_request = i;
      auto [outcome, s] = timed_edit({requests[i]});
      seconds[i] = s;
    }
  }
  std::optional<LoraAdapter> no_adapter;
  save_trained_model(c, *model, no_adapter, tokenizer.path, context.run);
  if (evaluate && group == 0) post = snapshots(*model, *tokenizer.tokenizer, cases, metric_options, "post-edit metrics");

  double total_seconds = 0;
  for (double s : seconds) total_seconds += s;
  JobOutcome outcome;
  outcome.metrics["edit"] = {{"method", method},
                             {"mode", mode},
                             {"requests", cases.size()},
                             {"batch_size", mode == "batch" ? (group > 0 ? group : cases.size()) : 1},
                             {"edit_seconds", total_seconds},
                             {"seconds_per_edit", cases.empty() ? 0.0 : total_seconds / static_cast<double>(cases.size())}};
  std::vector<nlohmann::json> rows;
  for (size_t i = 0; i < cases.size(); ++i) {
    const EditRequest& r = requests[i];
    nlohmann::json row = {{"case_id", cases[i].case_id}, {"prompt", r.prompt},         {"subject", r.subject},
                          {"target_new", r.target_new},  {"target_true", r.target_true}, {"edit_seconds", seconds[i]}};
    if (!r.relation_id.empty()) row["relation_id"] = r.relation_id;
    if (evaluate) {
      row["pre"] = pre[i].to_json();
      row["post"] = post[i].to_json();
      const double n = neighborhood_agreement(pre[i], post[i]);
      row["post"]["neighborhood"] = std::isnan(n) ? nlohmann::json() : nlohmann::json(n);
    }
    rows.push_back(std::move(row));
  }
  context.run.write_predictions(rows);
  if (evaluate) {
    outcome.metrics["pre"] = summarize_snapshots(pre);
    outcome.metrics["post"] = summarize_snapshots(post, &pre);
    if (nlohmann::json by = summarize_by_relation(cases, pre, post); !by.is_null()) outcome.metrics["by_relation"] = by;
  }
  context.run.write_metrics(outcome.metrics);
  context.run.write_summary(summary_markdown("edit", c, outcome.metrics, {}));
  return outcome;
}

}  // namespace

JobKind edit_job_kind() {
  JobKind kind;
  kind.name = "edit";
  kind.help = "edit facts with a registered editing method (method.name) and measure efficacy, locality and fluency";
  kind.declare = declare_edit_options;
  kind.declare_dependent = declare_method_options;
  kind.validate = validate_method;
  kind.run = run_edit;
  return kind;
}

}  // namespace llmedit
