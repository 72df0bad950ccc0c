#include "libllmedit/jobs/audit_job.h"

#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <regex>
#include <sstream>

#include "libllmedit/core/error.h"
#include "libllmedit/core/logging.h"
#include "libllmedit/eval/answer_likelihood.h"
#include "libllmedit/jobs/audit_probes.h"
#include "libllmedit/jobs/audit_relearning.h"
#include "libllmedit/jobs/model_setup.h"
#include "libllmedit/jobs/qa_data.h"
#include "libllmedit/jobs/unlearning_section.h"
#include "libllmedit/model/loader.h"
#include "libllmedit/quant/weight_quantization.h"
#include "libllmedit/report/summary.h"
#include "libllmedit/train/qa_collator.h"

namespace llmedit {

namespace {

// ---- options ----

struct AuditOptions {
  std::string original;  // empty: no pre-unlearning reference
  bool quantization = true, probes = true, relearning = true;
  std::vector<WeightFormat> formats;
  int64_t group_size = 128;
  ProbeAuditOptions probe;
  RelearningOptions relearn;
};

void declare_audit_options(ConfigSchema& s) {
  s.option("audit.original", "", "HF folder of the model before unlearning, audited beside it (empty: none)");
  s.option("data.forget", nlohmann::json::array(), "QA files of the forget set (eval.unlearning's default forget set)");
  s.option("data.forget_splits", nlohmann::json::array(), "keep only forget items of these splits (empty: all)");
  s.option("data.retain", nlohmann::json::array(), "QA files of the retain set (eval.unlearning's default retain set)");
  s.option("data.retain_splits", nlohmann::json::array(), "keep only retain items of these splits (empty: all)");
  s.option("data.max_length", 256, "tokens per item at most when relearning (the prompt is truncated first)");
  // KFR/KRR of the quantization and relearning parts; eval.unlearning.enabled is not consulted.
  declare_unlearning_options(s);

  s.option("audit.quantization.enabled", true, "KFR/KRR after quantizing the unlearned model's linear weights");
  s.option("audit.quantization.formats", nlohmann::json::array({"bf16", "int8", "int4"}),
           "weight formats: bf16, int8 (per channel), int4 (group-wise round-to-nearest)");
  s.option("audit.quantization.group_size", 128, "int4: input columns per group (per channel when a row is shorter)");

  s.option("audit.probes.enabled", true, "probe a forget person's attribute from hidden states, original vs unlearned");
  s.option("audit.probes.world", "", "world.json (llmedit world) whose people are probed");
  s.option("audit.probes.attribute", "birth_year", "the person attribute to predict (public or private)");
  s.option("audit.probes.pattern", "",
           "a regex whose first group of the attribute's text is the target (\"@(\\\\w+)\": the email domain, "
           "\"^(\\\\d+)\": the house number); digits become a number (empty: the attribute itself)");
  s.option("audit.probes.prompt_template", "In what year was {name} born?", "the question, {name} replaced");
  s.option("audit.probes.answer_prefix", "{name} was born in the year 19",
           "with format qa: the answer's first words after the answer cue, {name} replaced");
  s.option("audit.probes.format", "qa", "raw: the prompt with BOS; qa: a question in the chat template", {"raw", "qa"});
  s.option("audit.probes.target_type", "auto", "regression, classification (one-vs-rest), or auto (numbers: regression)",
           {"auto", "regression", "classification"});
  s.option("audit.probes.train_splits", nlohmann::json::array({"retain"}), "people whose states train the probe");
  s.option("audit.probes.test_splits", nlohmann::json::array({"forget"}), "people whose attribute the probe predicts");
  declare_probe_model_options(s, "audit.probes", {"ls_svr", "irls_ls_svr"});

  s.option("audit.relearning.enabled", true, "fine-tune a few steps on a slice of the forget set, then KFR on the rest");
  s.option("audit.relearning.steps", 20, "optimizer steps of relearning");
  s.option("audit.relearning.fraction", 0.1, "share of the forget set relearned on (seeded choice, at least one item)");
  s.option("audit.relearning.data", "forget",
           "relearn on the chosen forget items, or on as many unrelated retain items", {"forget", "retain"});
  s.option("audit.relearning.learning_rate", 3e-4, "constant AdamW learning rate, all weights trained");
  s.option("audit.relearning.batch_size", 4, "items per step");
}

void require(bool ok, const std::string& source, const std::string& key, const nlohmann::json& value,
             const std::string& want) {
  if (!ok) throw config_error(source + ": " + key + " must be " + want + ", got " + value.dump());
}

std::vector<WeightFormat> read_formats(const nlohmann::json& c, const std::string& source) {
  std::vector<WeightFormat> formats;
  for (const std::string& name : read_string_list(c, "audit.quantization.formats", source))
    formats.push_back(parse_weight_format(name, source + ": audit.quantization.formats"));
  return formats;
}

WorldPrompt world_prompt(const nlohmann::json& c, const std::string& splits_key, const std::string& source) {
  const std::string p = "audit.probes.";
  WorldPrompt w;
  w.attribute = config_get<std::string>(c, p + "attribute");
  w.prompt_template = config_get<std::string>(c, p + "prompt_template");
  w.answer_prefix = config_get<std::string>(c, p + "answer_prefix");
  w.splits = read_string_list(c, p + splits_key, source);
  w.pattern = config_get<std::string>(c, p + "pattern");
  w.pattern_key = p + "pattern";
  w.attribute_key = p + "attribute";
  return w;
}

ProbeAuditOptions read_probe_part(const nlohmann::json& c, const std::string& source) {
  const std::string p = "audit.probes";
  validate_probe_model_options(c, p, source);
  ProbeAuditOptions o;
  o.world = config_get<std::string>(c, p + ".world");
  if (o.world.empty())
    throw config_error(source + ": audit.probes.world is empty; name a world.json or set audit.probes.enabled false");
  o.train = world_prompt(c, "train_splits", source);
  o.test = world_prompt(c, "test_splits", source);
  if (o.train.prompt_template.find("{name}") == std::string::npos)
    throw config_error(source + ": audit.probes.prompt_template must contain {name}, got \"" + o.train.prompt_template + "\"");
  o.format = config_get<std::string>(c, p + ".format");
  if (!o.train.answer_prefix.empty() && o.format != "qa")
    throw config_error(source + ": audit.probes.answer_prefix applies only when audit.probes.format is \"qa\"");
  if (!o.train.pattern.empty()) {
    try {
      std::regex check(o.train.pattern, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      throw config_error(source + ": audit.probes.pattern is not a valid regular expression \"" + o.train.pattern + "\"");
    }
  }
  o.target_type = config_get<std::string>(c, p + ".target_type");
  o.methods = read_probe_methods(c, p, source);
  o.probe = read_probe_options(c, p);
  o.site = config_get<std::string>(c, p + ".site");
  o.layers = read_probe_layers(c, p, source);
  o.batch_size = config_get<int64_t>(c, p + ".batch_size");
  return o;
}

RelearningOptions read_relearning_part(const nlohmann::json& c, const std::string& source) {
  const std::string p = "audit.relearning.";
  RelearningOptions o;
  o.steps = config_get<int64_t>(c, p + "steps");
  o.fraction = config_get<double>(c, p + "fraction");
  o.on_retain = config_get<std::string>(c, p + "data") == "retain";
  o.learning_rate = config_get<double>(c, p + "learning_rate");
  o.batch_size = config_get<int64_t>(c, p + "batch_size");
  o.seed = config_get<uint64_t>(c, "seed");
  require(o.steps >= 1, source, p + "steps", o.steps, "at least 1");
  require(o.fraction > 0 && o.fraction < 1, source, p + "fraction", o.fraction, "in (0, 1)");
  require(o.learning_rate > 0, source, p + "learning_rate", o.learning_rate, "> 0");
  require(o.batch_size >= 1, source, p + "batch_size", o.batch_size, "at least 1");
  return o;
}

AuditOptions read_audit_options(const nlohmann::json& c, const std::string& source) {
  AuditOptions o;
  o.original = config_get<std::string>(c, "audit.original");
  o.quantization = config_get<bool>(c, "audit.quantization.enabled");
  o.probes = config_get<bool>(c, "audit.probes.enabled");
  o.relearning = config_get<bool>(c, "audit.relearning.enabled");
  if (!o.quantization && !o.probes && !o.relearning)
    throw config_error(source + ": nothing to audit: audit.quantization.enabled, audit.probes.enabled and "
                       "audit.relearning.enabled are all false");
  o.formats = read_formats(c, source);
  o.group_size = config_get<int64_t>(c, "audit.quantization.group_size");
  require(o.group_size >= 1, source, "audit.quantization.group_size", o.group_size, "at least 1");
  if (o.quantization && o.formats.empty()) throw config_error(source + ": audit.quantization.formats is empty");
  if (o.probes) o.probe = read_probe_part(c, source);
  o.relearn = read_relearning_part(c, source);
  return o;
}

void validate_audit(const nlohmann::json& resolved, const SchemaContext& context) {
  read_audit_options(resolved, context.source);
  read_unlearning_options(resolved, context.source, config_get<uint64_t>(resolved, "seed"));
}

// ---- shared pieces ----

std::vector<QAItem> read_set(const nlohmann::json& c, const std::string& key) {
  const auto files = config_get<std::vector<std::string>>(c, "data." + key);
  if (files.empty()) return {};
  return read_qa_files(files, config_get<std::vector<std::string>>(c, "data." + key + "_splits"), "data." + key);
}

std::shared_ptr<CausalLM> load_original(const nlohmann::json& c, const std::string& path) {
  LoadOptions options;
  options.dtype = parse_dtype(config_get<std::string>(c, "model.dtype"));
  options.device = resolve_device(config_get<std::string>(c, "device"));
  try {
    return load_causal_lm(path, options);
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::Internal) throw;
    throw Error(e.kind(), std::string("audit.original: ") + e.what());
  }
}

std::string fixed(double v, int digits = 2) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.*f", digits, v);
  return buffer;
}

std::string cell(const nlohmann::json& row, const char* key) {
  return row.contains(key) && row[key].is_number() ? fixed(row[key].get<double>(), 3) : "–";
}

// How much of what unlearning removed came back: 1 − (KFR_after − KFR_original) / (KFR_unlearned
// − KFR_original), or the relative KFR drop when there is no original. A change of one item is
// within the noise of sampling and of small weight changes: at least two must come back.
std::string recovery_label(double unlearned, double after, const nlohmann::json& original, size_t items) {
  const double drop = unlearned - after;
  if (items == 0 || drop < 1.5 / static_cast<double>(items)) return "no knowledge recovered";
  const double removed = original.is_number() ? unlearned - original.get<double>() : unlearned;
  const double share = removed > 0 ? drop / removed : 1.0;
  if (share >= 0.9) return "knowledge fully recovered";
  return share >= 0.5 ? "knowledge largely recovered" : "knowledge partly recovered";
}

void tag_rows(std::vector<nlohmann::json>& out, std::vector<nlohmann::json> rows, const std::string& part,
              const std::string& variant) {
  for (nlohmann::json& row : rows) {
    row["part"] = part;
    row["variant"] = variant;
    out.push_back(std::move(row));
  }
}

struct PartResult {
  nlohmann::json metrics;
  std::string summary;
  std::vector<nlohmann::json> predictions;
};

nlohmann::json evaluation_row(const std::string& variant, const UnlearningReport& report) {
  const nlohmann::json& m = report.metrics;
  nlohmann::json row = {{"variant", variant}, {"KFR", m["KFR"]}, {"KRR", m["KRR"]}};
  for (const char* set : {"forget", "retain"})
    if (m.contains(set) && m[set].contains("knowledge_accuracy")) row[std::string(set) + "_accuracy"] = m[set]["knowledge_accuracy"];
  return row;
}

// ---- quantization ----

PartResult run_quantization(const nlohmann::json& c, const std::string& source, const AuditOptions& o,
                            const UnlearningEvaluator& evaluator, const QACollator& collator) {
  PartResult r;
  nlohmann::json rows = nlohmann::json::array();
  auto evaluate = [&](const std::string& variant, CausalLM& model, nlohmann::json extra) {
    spdlog::info("audit: quantization, evaluating the {} model", variant);
    model.eval();
    UnlearningReport report = evaluator.evaluate(model, collator);
    nlohmann::json row = evaluation_row(variant, report);
    row.update(extra);
    rows.push_back(row);
    tag_rows(r.predictions, std::move(report.rows), "quantization", variant);
  };
  if (!o.original.empty()) evaluate("original", *load_original(c, o.original), nlohmann::json::object());
  evaluate("unlearned", *load_model_from_config(c, source), nlohmann::json::object());
  const double unlearned_kfr = rows.back()["KFR"].get<double>();
  const nlohmann::json original_kfr = o.original.empty() ? nlohmann::json() : rows.front()["KFR"];
  nlohmann::json recovery = nlohmann::json::object();
  for (WeightFormat format : o.formats) {
    std::shared_ptr<CausalLM> model = load_model_from_config(c, source);  // a fresh copy per format
    const QuantizationStats stats = quantize_linear_weights(*model, {format, o.group_size});
    evaluate(weight_format_name(format), *model, {{"weight_error", stats.relative_error}, {"matrices", stats.matrices}});
    recovery[weight_format_name(format)] = unlearned_kfr - rows.back()["KFR"].get<double>();
  }
  // The verdict names the format that brought back the most.
  size_t worst = rows.size() - o.formats.size();
  for (size_t i = worst; i < rows.size(); ++i)
    if (rows[i]["KFR"].get<double>() <= rows[worst]["KFR"].get<double>()) worst = i;  // ties: the coarser format
  const std::string worst_name = rows[worst]["variant"];
  std::ostringstream line;
  line << "quantization to " << worst_name << ": KFR " << fixed(unlearned_kfr) << " → "
       << fixed(rows[worst]["KFR"].get<double>()) << " ("
       << recovery_label(unlearned_kfr, rows[worst]["KFR"].get<double>(), original_kfr, evaluator.forget().size()) << ")";
  for (size_t i = rows.size() - o.formats.size(); i < rows.size(); ++i)
    if (i != worst) line << "; " << rows[i]["variant"].get<std::string>() << " " << fixed(rows[i]["KFR"].get<double>());
  if (original_kfr.is_number()) line << "; original " << fixed(original_kfr.get<double>());
  r.metrics = {{"group_size", o.group_size}, {"forget_items", evaluator.forget().size()},
               {"retain_items", evaluator.retain().size()}, {"rows", rows}, {"recovery", recovery}, {"verdict", line.str()}};
  std::ostringstream md;
  md << "\n## Quantization (weights of every linear layer; KFR/KRR on " << evaluator.forget().size() << " forget and "
     << evaluator.retain().size() << " retain items)\n\n| variant | KFR | KRR | forget accuracy | retain accuracy | weight error |\n"
     << "| --- | --- | --- | --- | --- | --- |\n";
  for (const nlohmann::json& row : rows)
    md << "| " << row["variant"].get<std::string>() << " | " << cell(row, "KFR") << " | " << cell(row, "KRR") << " | "
       << cell(row, "forget_accuracy") << " | " << cell(row, "retain_accuracy") << " | " << cell(row, "weight_error") << " |\n";
  md << "\n" << line.str() << "\n";
  r.summary = md.str();
  return r;
}

// ---- probes ----

PartResult run_probes(const nlohmann::json& c, const std::string& source, const AuditOptions& o,
                      const TokenizerSetup& tokenizer) {
  std::vector<ProbedModel> models;
  if (!o.original.empty()) models.push_back({"original", [&] { return load_original(c, o.original); }});
  models.push_back({"unlearned", [&] { return load_model_from_config(c, source); }});
  ProbeAuditResult probes = run_probe_audit(o.probe, models, tokenizer, source);
  return {std::move(probes.metrics), std::move(probes.summary), std::move(probes.predictions)};
}

// ---- relearning ----

// The evaluator of the held-out forget items: eval.unlearning's settings on other sets.
std::unique_ptr<UnlearningEvaluator> held_out_evaluator(const nlohmann::json& c, const std::string& source,
                                                        const UnlearningEvaluator& full, std::vector<QAItem> held_out) {
  nlohmann::json copy = c;
  copy["eval"]["unlearning"]["forget"] = nlohmann::json::array();
  copy["eval"]["unlearning"]["retain"] = nlohmann::json::array();
  copy["eval"]["unlearning"]["max_items"] = 0;  // the full evaluator already cut its sets
  return std::make_unique<UnlearningEvaluator>(copy, source, std::move(held_out), full.retain());
}

int64_t answered_again(const UnlearningReport& before, const UnlearningReport& after) {
  int64_t count = 0;
  for (size_t i = 0; i < before.rows.size() && i < after.rows.size(); ++i)
    if (before.rows[i].value("forgotten", false) && after.rows[i].contains("forgotten") && !after.rows[i]["forgotten"].get<bool>())
      ++count;
  return count;
}

PartResult run_relearning(const nlohmann::json& c, const std::string& source, const AuditOptions& o,
                          const UnlearningEvaluator& full, const QACollator& collator, RunFolder& run) {
  const RelearningSplit split = split_for_relearning(full.forget(), full.retain(), o.relearn);
  const auto evaluator = held_out_evaluator(c, source, full, split.held_out);
  std::shared_ptr<CausalLM> model = load_model_from_config(c, source);
  model->eval();
  const int64_t batch = o.relearn.batch_size;
  spdlog::info("audit: relearning, evaluating {} held-out forget items before", split.held_out.size());
  UnlearningReport before = evaluator->evaluate(*model, collator);
  const double nll_before = mean_answer_nll(*model, collator, split.held_out, batch);
  const TrainResult trained = relearn(*model, collator, split.train, o.relearn, [&](const nlohmann::json& record) {
    nlohmann::json tagged = record;
    tagged["part"] = "relearning";
    run.append_train_log(tagged);
  });
  spdlog::info("audit: relearned {} steps on {} items (loss {:.3f}), evaluating after", trained.steps_done,
               split.train.size(), trained.last_loss);
  UnlearningReport after = evaluator->evaluate(*model, collator);
  const double nll_after = mean_answer_nll(*model, collator, split.held_out, batch);
  const int64_t again = answered_again(before, after);

  PartResult r;
  nlohmann::json rows = nlohmann::json::array();
  rows.push_back(evaluation_row("before", before));
  rows.back()["forget_answer_nll"] = nll_before;
  rows.push_back(evaluation_row("after", after));
  rows.back()["forget_answer_nll"] = nll_after;
  const double kfr_before = rows[0]["KFR"].get<double>(), kfr_after = rows[1]["KFR"].get<double>();
  std::ostringstream line;
  line << "relearning (" << trained.steps_done << " steps on " << split.train.size() << " "
       << (o.relearn.on_retain ? "retain" : "forget") << " items): KFR on the " << split.held_out.size()
       << " other forget items " << fixed(kfr_before) << " → " << fixed(kfr_after) << ", " << again
       << " answered again, answer NLL " << fixed(nll_before) << " → " << fixed(nll_after) << " ("
       << recovery_label(kfr_before, kfr_after, nlohmann::json(), split.held_out.size()) << ")";
  nlohmann::json trained_on = nlohmann::json::array();
  for (const QAItem& item : split.train) trained_on.push_back(item.id);
  r.metrics = {{"steps", trained.steps_done},
               {"final_loss", trained.last_loss},
               {"data", o.relearn.on_retain ? "retain" : "forget"},
               {"trained_on", trained_on},
               {"held_out_items", split.held_out.size()},
               {"rows", rows},
               {"answered_again", again},
               {"verdict", line.str()}};
  tag_rows(r.predictions, std::move(before.rows), "relearning", "before");
  tag_rows(r.predictions, std::move(after.rows), "relearning", "after");
  std::ostringstream md;
  md << "\n## Relearning (" << trained.steps_done << " steps, learning rate " << o.relearn.learning_rate << ", on "
     << split.train.size() << " " << (o.relearn.on_retain ? "retain" : "forget") << " items; measured on the other "
     << split.held_out.size() << " forget items)\n\n| stage | KFR | KRR | forget accuracy | forget answer NLL |\n"
     << "| --- | --- | --- | --- | --- |\n";
  for (const nlohmann::json& row : rows)
    md << "| " << row["variant"].get<std::string>() << " | " << cell(row, "KFR") << " | " << cell(row, "KRR") << " | "
       << cell(row, "forget_accuracy") << " | " << cell(row, "forget_answer_nll") << " |\n";
  md << "\n" << line.str() << "\n";
  r.summary = md.str();
  return r;
}

// ---- the job ----

JobOutcome run_audit(JobContext& context) {
  const nlohmann::json& c = context.config;
  const std::string source = context.run.path("config.resolved.json");
  const AuditOptions o = read_audit_options(c, source);
  const TokenizerSetup tokenizer = load_tokenizer_from_config(c, source);
  QACollatorOptions collator_options;
  collator_options.max_length = config_get<int64_t>(c, "data.max_length");
  const QACollator collator(*tokenizer.tokenizer, *tokenizer.chat_template, collator_options);
  std::unique_ptr<UnlearningEvaluator> evaluator;
  if (o.quantization || o.relearning)
    evaluator = std::make_unique<UnlearningEvaluator>(c, source, read_set(c, "forget"), read_set(c, "retain"));

  JobOutcome outcome;
  nlohmann::json verdicts = nlohmann::json::object();
  std::vector<nlohmann::json> predictions;
  std::string tables;
  auto add = [&](const std::string& part, PartResult result) {
    verdicts[part] = result.metrics["verdict"];
    outcome.metrics[part] = std::move(result.metrics);
    predictions.insert(predictions.end(), result.predictions.begin(), result.predictions.end());
    tables += result.summary;
    spdlog::info("audit: {}", verdicts[part].get<std::string>());
  };
  if (o.quantization) add("quantization", run_quantization(c, source, o, *evaluator, collator));
  if (o.probes) add("probes", run_probes(c, source, o, tokenizer));
  if (o.relearning) add("relearning", run_relearning(c, source, o, *evaluator, collator, context.run));
  outcome.metrics["verdicts"] = verdicts;
  outcome.metrics["models"] = {{"unlearned", config_get<std::string>(c, "model.path")},
                               {"original", o.original.empty() ? nlohmann::json() : nlohmann::json(o.original)}};
  context.run.write_predictions(predictions);
  context.run.write_metrics(outcome.metrics);
  std::string verdict_lines = "\n## Verdicts\n\n";
  for (const char* part : {"quantization", "probes", "relearning"})  // in the order they ran
    if (verdicts.contains(part)) verdict_lines += "- " + verdicts[part].get<std::string>() + "\n";
  context.run.write_summary(summary_markdown("audit", c, {{"models", outcome.metrics["models"]}}, {}) + verdict_lines + tables);
  return outcome;
}

}  // namespace

JobKind audit_job_kind() {
  JobKind kind;
  kind.name = "audit";
  kind.help = "is unlearned knowledge really gone? KFR after quantization, probes on hidden states, relearning";
  kind.declare = declare_audit_options;
  kind.validate = validate_audit;
  kind.run = run_audit;
  return kind;
}

}  // namespace llmedit
