#include "libllmedit/jobs/probe_job.h"

#include <torch/torch.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "libllmedit/core/atomic_file.h"
#include "libllmedit/core/error.h"
#include "libllmedit/core/logging.h"
#include "libllmedit/jobs/model_setup.h"
#include "libllmedit/jobs/probe_setup.h"
#include "libllmedit/probe/cross_validation.h"
#include "libllmedit/probe/hidden_states.h"
#include "libllmedit/probe/layer_chart.h"
#include "libllmedit/probe/probe_model.h"
#include "libllmedit/report/summary.h"
#include "libllmedit/train/qa_collator.h"

namespace llmedit {

namespace {

// ---- items ----

std::vector<ProbeItem> read_items(const nlohmann::json& c, const std::string& source) {
  const nlohmann::json& prompts = config_value(c, "data.prompts");
  const nlohmann::json& world = config_value(c, "data.world");
  if (prompts.is_null() == world.is_null())
    throw config_error(source + ": set exactly one of data.prompts and data.world");
  WorldPrompt w;
  w.attribute = config_get<std::string>(c, "data.attribute");
  w.prompt_template = config_get<std::string>(c, "data.prompt_template");
  w.answer_prefix = config_get<std::string>(c, "data.answer_prefix");
  w.splits = read_string_list(c, "data.splits", source);
  w.pattern = config_get<std::string>(c, "data.pattern");
  if (!world.is_null() && w.prompt_template.find("{name}") == std::string::npos)
    throw config_error(source + ": data.prompt_template must contain {name}, got \"" + w.prompt_template + "\"");
  if (!w.answer_prefix.empty() && config_get<std::string>(c, "data.format") != "qa")
    throw config_error(source + ": data.answer_prefix applies only when data.format is \"qa\"");
  std::vector<ProbeItem> items = prompts.is_null() ? read_world_items(world.get<std::string>(), w, "data.world")
                                                   : read_prompt_file(prompts.get<std::string>());
  const auto max_items = config_get<int64_t>(c, "data.max_items");
  if (max_items > 0 && static_cast<int64_t>(items.size()) > max_items) items.resize(static_cast<size_t>(max_items));
  return items;
}

void validate_options(const nlohmann::json& c, const std::string& source) {
  validate_probe_model_options(c, "probe", source);
  if (config_get<int64_t>(c, "probe.folds") <= 0)
    throw config_error(source + ": key 'probe.folds' must be > 0, got " + config_value(c, "probe.folds").dump());
}

// ---- scoring ----

struct MethodScore {
  nlohmann::json metrics;  // {"rmse", "r2"} or {"accuracy"}, plus "irls_refits" for the robust methods
  torch::Tensor oof;       // [N] out-of-fold predictions or [N] predicted labels
  double score = 0.0;      // RMSE (lower is better) or accuracy (higher is better)
};

MethodScore score_method(const torch::Tensor& x, const ProbeTargets& t, const std::vector<torch::Tensor>& folds,
                         ProbeOptions options) {
  int refits = 0, fits = 0;
  const FoldFitPredict fold_fit = [&](const torch::Tensor& train, const torch::Tensor& test) {
    const ProbeFit fit =
        t.regression ? fit_predict(options, x.index_select(0, train), t.values.index_select(0, train), x.index_select(0, test))
                     : fit_predict_one_vs_rest(options, x.index_select(0, train), t.labels.index_select(0, train),
                                               static_cast<int64_t>(t.classes.size()), x.index_select(0, test));
    refits += fit.iterations;
    fits += fit.fits;
    return fit.prediction;
  };
  const torch::Tensor predicted = cross_val_predict(x.size(0), folds, fold_fit);
  MethodScore s;
  if (t.regression) {
    const RegressionScores r = regression_scores(t.values, predicted);
    s.metrics = {{"rmse", r.rmse}, {"r2", r.r2}};
    s.oof = predicted;
    s.score = r.rmse;
  } else {
    s.score = classification_accuracy(t.labels, predicted);
    s.metrics = {{"accuracy", s.score}};
    s.oof = predicted.argmax(1);
  }
  const ProbeMethod m = options.method;
  if (m == ProbeMethod::WeightedLsSvr || m == ProbeMethod::IrlsLsSvr || m == ProbeMethod::IrlsElm)
    s.metrics["irls_refits"] = fits ? static_cast<double>(refits) / fits : 0.0;
  return s;
}

// Predicting the training folds' mean (regression) or most frequent class (classification).
nlohmann::json baseline_metrics(const ProbeTargets& t, const std::vector<torch::Tensor>& folds, int64_t n) {
  const FoldFitPredict fold_fit = [&](const torch::Tensor& train, const torch::Tensor& test) {
    if (t.regression) return torch::full({test.size(0)}, t.values.index_select(0, train).mean().item<double>(), torch::kFloat64);
    const auto counts = torch::bincount(t.labels.index_select(0, train), {}, static_cast<int64_t>(t.classes.size()));
    torch::Tensor scores = torch::zeros({test.size(0), static_cast<int64_t>(t.classes.size())}, torch::kFloat64);
    scores.select(1, counts.argmax().item<int64_t>()).fill_(1.0);
    return scores;
  };
  const torch::Tensor predicted = cross_val_predict(n, folds, fold_fit);
  if (!t.regression) return {{"accuracy", classification_accuracy(t.labels, predicted)}};
  const RegressionScores r = regression_scores(t.values, predicted);
  return {{"rmse", r.rmse}, {"r2", r.r2}};
}

struct LayerResults {
  std::vector<int64_t> layers;
  std::vector<ProbeMethod> methods;
  std::vector<std::vector<MethodScore>> scores;  // [layer][method]
};

LayerResults score_layers(const std::vector<torch::Tensor>& features, const std::vector<int64_t>& layers,
                          const ProbeTargets& t, const std::vector<torch::Tensor>& folds, const ProbeOptions& base,
                          const std::vector<ProbeMethod>& methods) {
  LayerResults r{layers, methods, {}};
  for (size_t l = 0; l < layers.size(); ++l) {
    r.scores.emplace_back();
    for (ProbeMethod m : methods) {
      ProbeOptions o = base;
      o.method = m;
      r.scores.back().push_back(score_method(features[l], t, folds, o));
    }
    spdlog::info("probe: layer {} done", layers[l]);
  }
  return r;
}

// ---- outputs ----

nlohmann::json best_per_method(const LayerResults& r, bool regression) {
  nlohmann::json best = nlohmann::json::object();
  for (size_t m = 0; m < r.methods.size(); ++m) {
    size_t pick = 0;
    for (size_t l = 1; l < r.layers.size(); ++l) {
      const double a = r.scores[l][m].score, b = r.scores[pick][m].score;
      if (regression ? a < b : a > b) pick = l;
    }
    nlohmann::json entry = r.scores[pick][m].metrics;
    entry["layer"] = r.layers[pick];
    best[probe_method_name(r.methods[m])] = entry;
  }
  return best;
}

nlohmann::json layers_json(const LayerResults& r, const std::string& site) {
  nlohmann::json out = nlohmann::json::array();
  for (size_t l = 0; l < r.layers.size(); ++l) {
    nlohmann::json row = {{"layer", r.layers[l]}, {"hook", layer_site(r.layers[l], site.c_str())}};
    for (size_t m = 0; m < r.methods.size(); ++m) row[probe_method_name(r.methods[m])] = r.scores[l][m].metrics;
    out.push_back(row);
  }
  return out;
}

std::string fixed(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.4f", v);
  return buffer;
}

std::string layer_table(const LayerResults& r, bool regression) {
  std::ostringstream md;
  md << "\n## Per layer (" << (regression ? "cross-validated RMSE / R²" : "cross-validated accuracy") << ")\n\n| layer |";
  for (ProbeMethod m : r.methods) md << " " << probe_method_name(m) << " |";
  md << "\n| --- |";
  for (size_t m = 0; m < r.methods.size(); ++m) md << " --- |";
  md << "\n";
  for (size_t l = 0; l < r.layers.size(); ++l) {
    md << "| " << r.layers[l] << " |";
    for (const MethodScore& s : r.scores[l])
      md << " "
         << (regression ? fixed(s.metrics.at("rmse").get<double>()) + " / " + fixed(s.metrics.at("r2").get<double>())
                        : fixed(s.score))
         << " |";
    md << "\n";
  }
  md << "\n![probe score per layer](probe_layers.svg)\n";
  return md.str();
}

LineChart layer_chart(const LayerResults& r, bool regression, const nlohmann::json& baseline, const std::string& what) {
  LineChart chart;
  chart.title = "Probing " + what + (regression ? ": cross-validated RMSE" : ": cross-validated accuracy");
  chart.y_label = regression ? "RMSE" : "accuracy";
  for (int64_t layer : r.layers) chart.x.push_back(static_cast<double>(layer));
  for (size_t m = 0; m < r.methods.size(); ++m) {
    ChartSeries s{probe_method_name(r.methods[m]), {}};
    for (size_t l = 0; l < r.layers.size(); ++l) s.values.push_back(r.scores[l][m].score);
    chart.series.push_back(s);
  }
  chart.has_reference = true;
  chart.reference = baseline[regression ? "rmse" : "accuracy"].get<double>();
  chart.reference_label = regression ? "predict the mean" : "majority class";
  return chart;
}

std::vector<nlohmann::json> prediction_rows(const std::vector<ProbeItem>& items, const ProbeTargets& t,
                                            const LayerResults& r) {
  std::vector<nlohmann::json> rows;
  for (size_t i = 0; i < items.size(); ++i) {
    nlohmann::json predicted = nlohmann::json::object();
    for (size_t m = 0; m < r.methods.size(); ++m) {
      nlohmann::json per_layer = nlohmann::json::array();
      for (size_t l = 0; l < r.layers.size(); ++l)
        per_layer.push_back(target_value(t, r.scores[l][m].oof, static_cast<int64_t>(i)));
      predicted[probe_method_name(r.methods[m])] = per_layer;
    }
    rows.push_back({{"prompt", items[i].prompt}, {"target", items[i].target}, {"predicted_per_layer", predicted}});
  }
  return rows;
}

std::string target_description(const nlohmann::json& c) {
  return config_value(c, "data.world").is_null() ? "the targets of " + config_get<std::string>(c, "data.prompts")
                                                  : config_get<std::string>(c, "data.attribute");
}

// ---- the job ----

JobOutcome run_probe(JobContext& context) {
  const nlohmann::json& c = context.config;
  const std::string source = context.run.path("config.resolved.json");
  validate_options(c, source);
  const std::vector<ProbeMethod> methods = read_probe_methods(c, "probe", source);
  const ProbeOptions base = read_probe_options(c, "probe");
  const std::vector<ProbeItem> items = read_items(c, source);
  const ProbeTargets targets = encode_targets(items, config_get<std::string>(c, "data.target_type"), source);
  const auto n = static_cast<int64_t>(items.size());
  const std::vector<torch::Tensor> folds = kfold_test_indices(n, config_get<int64_t>(c, "probe.folds"),
                                                              config_get<uint64_t>(c, "seed"));

  const TokenizerSetup tokenizer = load_tokenizer_from_config(c, source);
  std::shared_ptr<CausalLM> model = load_model_from_config(c, source);
  model->eval();
  HiddenStateOptions hidden;
  hidden.site = config_get<std::string>(c, "probe.site");
  hidden.layers = resolve_layers(*model, read_probe_layers(c, "probe", source));
  hidden.batch_size = config_get<int64_t>(c, "probe.batch_size");
  hidden.pad_id = padding_id(*tokenizer.tokenizer);
  const auto prompts = tokenize_probe_prompts(items, tokenizer, config_get<std::string>(c, "data.format"));
  const std::vector<torch::Tensor> features = last_token_states(*model, prompts, hidden);
  spdlog::info("probe: {} prompts, {} layers of {}, {} folds", n, hidden.layers.size(), hidden.site, folds.size());

  const LayerResults results = score_layers(features, hidden.layers, targets, folds, base, methods);
  JobOutcome outcome;
  nlohmann::json& m = outcome.metrics;
  m = {{"task", targets.regression ? "regression" : "classification"}, {"target", target_description(c)},
       {"items", n}, {"folds", folds.size()}, {"site", hidden.site},
       {"baseline", baseline_metrics(targets, folds, n)}, {"best", best_per_method(results, targets.regression)}};
  if (!targets.regression) m["classes"] = targets.classes.size();
  nlohmann::json headline = m;
  m["layers"] = layers_json(results, hidden.site);
  context.run.write_metrics(m);
  context.run.write_predictions(prediction_rows(items, targets, results));
  context.run.write_summary(summary_markdown("probe", c, headline, {}) + layer_table(results, targets.regression));
  write_text_atomic(context.run.path("probe_layers.svg"),
                    line_chart_svg(layer_chart(results, targets.regression, m["baseline"], target_description(c))));
  return outcome;
}

void declare_probe_options(ConfigSchema& s) {
  s.optional("data.prompts", OptionType::String, "JSONL of {\"prompt\": ..., \"target\": number or string} per line");
  s.optional("data.world", OptionType::String, "world.json (llmedit world): one item per person");
  s.option("data.attribute", "birth_year", "with data.world: the person attribute to predict (public or private)");
  s.option("data.prompt_template", "{name}", "with data.world: the prompt, {name} replaced by the person's name");
  s.option("data.answer_prefix", "",
           "with data.format qa and data.world: the answer's first words after the answer cue, {name} replaced");
  s.option("data.splits", nlohmann::json::array(), "with data.world: keep people of these splits (empty: all)");
  s.option("data.pattern", "",
           "with data.world: a regex whose first group of the attribute's text is the target (\"@(\\\\w+)\": the "
           "email domain); digits become a number (empty: the attribute itself)");
  s.option("data.format", "raw", "raw: the prompt with the tokenizer's BOS; qa: as a question in the chat template",
           {"raw", "qa"});
  s.option("data.target_type", "auto", "regression, classification (one-vs-rest), or auto (numbers: regression)",
           {"auto", "regression", "classification"});
  s.option("data.max_items", 0, "use only the first N items (0: all)");
  s.option("probe.folds", 5, "k of k-fold cross-validation");
  declare_probe_model_options(s, "probe", {"ls_svr", "irls_ls_svr", "elm", "irls_elm"});
}

}  // namespace

JobKind probe_job_kind() {
  JobKind kind;
  kind.name = "probe";
  kind.help = "cross-validated probes of an attribute on hidden states, layer by layer";
  kind.declare = declare_probe_options;
  kind.run = run_probe;
  return kind;
}

}  // namespace llmedit
