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
#include "libllmedit/probe/cross_validation.h"
#include "libllmedit/probe/hidden_states.h"
#include "libllmedit/probe/layer_chart.h"
#include "libllmedit/probe/probe_model.h"
#include "libllmedit/report/summary.h"
#include "libllmedit/train/qa_collator.h"

namespace llmedit {

namespace {

struct ProbeItem {
  std::string prompt;
  nlohmann::json target;      // number or string
  std::string answer_prefix;  // data.format "qa": the answer's first words, after the answer cue
};

// ---- items ----

ProbeItem parse_prompt_line(const std::string& line, const std::string& where) {
  nlohmann::json row;
  try {
    row = nlohmann::json::parse(line);
  } catch (const nlohmann::json::exception&) {
    throw data_error(where + ": not a JSON object");
  }
  if (!row.is_object() || !row.contains("prompt") || !row["prompt"].is_string())
    throw data_error(where + ": field 'prompt' must be a string");
  if (!row.contains("target") || !(row["target"].is_number() || row["target"].is_string()))
    throw data_error(where + ": field 'target' must be a number or a string");
  if (row.contains("answer_prefix") && !row["answer_prefix"].is_string())
    throw data_error(where + ": field 'answer_prefix' must be a string");
  return {row["prompt"].get<std::string>(), row["target"], row.value("answer_prefix", "")};
}

std::vector<ProbeItem> read_prompt_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw data_error(path + ": cannot open the probe prompts (data.prompts)");
  std::vector<ProbeItem> items;
  int64_t number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    items.push_back(parse_prompt_line(line, path + ":" + std::to_string(number)));
  }
  return items;
}

std::string fill_name(std::string text, const std::string& name) {
  for (size_t at = text.find("{name}"); at != std::string::npos; at = text.find("{name}", at + name.size()))
    text.replace(at, 6, name);
  return text;
}

const nlohmann::json* person_attribute(const nlohmann::json& person, const std::string& attribute) {
  for (const char* group : {"public", "private"})
    if (person.contains(group) && person[group].is_object() && person[group].contains(attribute))
      return &person[group][attribute];
  return nullptr;
}

bool split_wanted(const nlohmann::json& person, const std::vector<std::string>& splits) {
  if (splits.empty()) return true;
  const std::string split = person.value("split", "");
  return std::find(splits.begin(), splits.end(), split) != splits.end();
}

struct WorldPrompt {
  std::string attribute, prompt_template, answer_prefix;  // the templates with {name}
  std::vector<std::string> splits;
};

std::vector<ProbeItem> read_world_items(const std::string& path, const WorldPrompt& w) {
  nlohmann::json world;
  try {
    world = nlohmann::json::parse(read_text_file(path));
  } catch (const nlohmann::json::exception&) {
    throw data_error(path + ": not a JSON world file (data.world)");
  }
  if (!world.contains("people") || !world["people"].is_array()) throw data_error(path + ": field 'people' is missing");
  std::vector<ProbeItem> items;
  for (const nlohmann::json& person : world["people"]) {
    if (!split_wanted(person, w.splits)) continue;
    const std::string who = path + ": person " + person.value("id", "?");
    const nlohmann::json* value = person_attribute(person, w.attribute);
    if (!value) throw data_error(who + " has no attribute '" + w.attribute + "' (data.attribute)");
    if (!value->is_number() && !value->is_string())
      throw data_error(who + ": attribute '" + w.attribute + "' is not a single number or string (data.attribute)");
    const std::string name = person.value("name", "");
    items.push_back({fill_name(w.prompt_template, name), *value, fill_name(w.answer_prefix, name)});
  }
  return items;
}

std::vector<std::string> read_strings(const nlohmann::json& c, const std::string& key, const std::string& source) {
  std::vector<std::string> out;
  for (const nlohmann::json& value : config_value(c, key)) {
    if (!value.is_string()) throw config_error(source + ": " + key + " must hold strings, got " + value.dump());
    out.push_back(value.get<std::string>());
  }
  return out;
}

std::vector<ProbeItem> read_items(const nlohmann::json& c, const std::string& source) {
  const nlohmann::json& prompts = config_value(c, "data.prompts");
  const nlohmann::json& world = config_value(c, "data.world");
  if (prompts.is_null() == world.is_null())
    throw config_error(source + ": set exactly one of data.prompts and data.world");
  const WorldPrompt w{config_get<std::string>(c, "data.attribute"), config_get<std::string>(c, "data.prompt_template"),
                      config_get<std::string>(c, "data.answer_prefix"), read_strings(c, "data.splits", source)};
  if (!world.is_null() && w.prompt_template.find("{name}") == std::string::npos)
    throw config_error(source + ": data.prompt_template must contain {name}, got \"" + w.prompt_template + "\"");
  if (!w.answer_prefix.empty() && config_get<std::string>(c, "data.format") != "qa")
    throw config_error(source + ": data.answer_prefix applies only when data.format is \"qa\"");
  std::vector<ProbeItem> items = prompts.is_null() ? read_world_items(world.get<std::string>(), w)
                                                   : read_prompt_file(prompts.get<std::string>());
  const auto max_items = config_get<int64_t>(c, "data.max_items");
  if (max_items > 0 && static_cast<int64_t>(items.size()) > max_items) items.resize(static_cast<size_t>(max_items));
  return items;
}

// ---- targets ----

struct Targets {
  bool regression = true;
  torch::Tensor values;              // [N] float64 (regression)
  torch::Tensor labels;              // [N] int64 (classification)
  std::vector<std::string> classes;  // sorted; labels index into it
};

std::string class_name(const nlohmann::json& target) {
  return target.is_string() ? target.get<std::string>() : target.dump();
}

Targets encode_targets(const std::vector<ProbeItem>& items, const std::string& type, const std::string& source) {
  bool all_numbers = true;
  for (const ProbeItem& item : items) all_numbers = all_numbers && item.target.is_number();
  Targets t;
  t.regression = type == "regression" || (type == "auto" && all_numbers);
  if (t.regression && !all_numbers)
    throw config_error(source + ": data.target_type is regression but some targets are strings");
  std::vector<double> values;
  std::map<std::string, int64_t> index;
  for (const ProbeItem& item : items) {
    if (t.regression) values.push_back(item.target.get<double>());
    else index.emplace(class_name(item.target), 0);
  }
  if (t.regression) {
    t.values = torch::tensor(values, torch::kFloat64);
    return t;
  }
  for (auto& [name, i] : index) {
    i = static_cast<int64_t>(t.classes.size());
    t.classes.push_back(name);
  }
  if (t.classes.size() < 2) throw data_error(source + ": classification needs at least two target classes");
  std::vector<int64_t> labels;
  for (const ProbeItem& item : items) labels.push_back(index.at(class_name(item.target)));
  t.labels = torch::tensor(labels, torch::kInt64);
  return t;
}

// ---- options ----

ProbeOptions read_probe_options(const nlohmann::json& c) {
  ProbeOptions o;
  o.ls_svr.kernel = parse_kernel(config_get<std::string>(c, "probe.ls_svr.kernel"), "probe.ls_svr.kernel");
  o.ls_svr.C = config_get<double>(c, "probe.ls_svr.C");
  o.ls_svr.sigma = config_get<double>(c, "probe.ls_svr.sigma");
  o.elm.hidden_units = config_get<int64_t>(c, "probe.elm.hidden_units");
  o.elm.activation = parse_elm_activation(config_get<std::string>(c, "probe.elm.activation"), "probe.elm.activation");
  o.elm.C = config_get<double>(c, "probe.elm.C");
  o.elm.weight_scale = config_get<double>(c, "probe.elm.weight_scale");
  o.elm.seed = config_get<uint64_t>(c, "seed");
  o.irls.weights.function =
      parse_weight_function(config_get<std::string>(c, "probe.irls.weight_function"), "probe.irls.weight_function");
  o.irls.max_iterations = config_get<int>(c, "probe.irls.max_iterations");
  o.irls.tolerance = config_get<double>(c, "probe.irls.tolerance");
  return o;
}

void check_positive(const nlohmann::json& c, const std::string& key, const std::string& source, bool zero_ok) {
  const double v = config_get<double>(c, key);
  if (v < 0 || (!zero_ok && v == 0))
    throw config_error(source + ": key '" + key + "' must be " + (zero_ok ? ">= 0" : "> 0") + ", got " +
                       config_value(c, key).dump());
}

void validate_options(const nlohmann::json& c, const std::string& source) {
  for (const char* key : {"probe.ls_svr.C", "probe.elm.C", "probe.elm.hidden_units", "probe.batch_size", "probe.folds"})
    check_positive(c, key, source, false);
  for (const char* key : {"probe.ls_svr.sigma", "probe.elm.weight_scale", "probe.irls.tolerance",
                          "probe.irls.max_iterations"})
    check_positive(c, key, source, true);
}

std::vector<int64_t> read_layers(const nlohmann::json& c, const std::string& source) {
  std::vector<int64_t> layers;
  for (const nlohmann::json& layer : config_value(c, "probe.layers")) {
    if (!layer.is_number_integer()) throw config_error(source + ": probe.layers must hold integers, got " + layer.dump());
    layers.push_back(layer.get<int64_t>());
  }
  return layers;
}

std::vector<ProbeMethod> read_methods(const nlohmann::json& c, const std::string& source) {
  std::vector<ProbeMethod> methods;
  for (const std::string& name : read_strings(c, "probe.methods", source))
    methods.push_back(parse_probe_method(name, source + ": probe.methods"));
  if (methods.empty()) throw config_error(source + ": probe.methods is empty");
  return methods;
}

// ---- prompts and features ----

// The text the chat template writes for the start of an answer: the assistant turn rendered after
// the generation prompt, cut before the end-of-turn markup (a sentinel marks where `prefix` ends).
std::string answer_prefix_text(const ChatTemplate& chat, const std::string& prefix) {
  const std::string cue = chat.render({{"user", "\x01"}}, true);
  const std::string full = chat.render({{"user", "\x01"}, {"assistant", prefix + "\x02"}}, false);
  const std::string turn = full.compare(0, cue.size(), cue) == 0 ? full.substr(cue.size()) : " " + prefix + "\x02";
  return turn.substr(0, turn.find('\x02'));
}

// qa: BOS + the question in the chat template + the answer's first words, tokenized apart as the
// trainer tokenizes question and answer (qa_collator.h), so the model sees what it was trained on.
std::vector<int64_t> qa_prompt_ids(const QACollator& collator, const std::string& question, const std::string& prefix) {
  std::vector<int64_t> ids = collator.prompt_ids(question);
  if (prefix.empty()) return ids;
  const std::vector<int64_t> answer =
      collator.tokenizer().encode_rendered(answer_prefix_text(collator.chat_template(), prefix));
  ids.insert(ids.end(), answer.begin(), answer.end());
  return ids;
}

std::vector<std::vector<int64_t>> tokenize_prompts(const std::vector<ProbeItem>& items, const TokenizerSetup& setup,
                                                   const std::string& format) {
  const QACollator collator(*setup.tokenizer, *setup.chat_template);
  std::vector<std::vector<int64_t>> out;
  for (const ProbeItem& item : items)
    out.push_back(format == "qa" ? qa_prompt_ids(collator, item.prompt, item.answer_prefix)
                                 : setup.tokenizer->encode(item.prompt, true));
  return out;
}

int64_t padding_id(const Tokenizer& tokenizer) {  // any id will do: padding is masked out
  for (int64_t id : {tokenizer.pad_id(), tokenizer.eos_id()})
    if (id >= 0) return id;
  return 0;
}

// ---- scoring ----

struct MethodScore {
  nlohmann::json metrics;  // {"rmse", "r2"} or {"accuracy"}, plus "irls_refits" for the robust methods
  torch::Tensor oof;       // [N] out-of-fold predictions or [N] predicted labels
  double score = 0.0;      // RMSE (lower is better) or accuracy (higher is better)
};

MethodScore score_method(const torch::Tensor& x, const Targets& t, const std::vector<torch::Tensor>& folds,
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
nlohmann::json baseline_metrics(const Targets& t, const std::vector<torch::Tensor>& folds, int64_t n) {
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
                          const Targets& t, const std::vector<torch::Tensor>& folds, const ProbeOptions& base,
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

nlohmann::json prediction_value(const Targets& t, const torch::Tensor& oof, int64_t i) {
  if (t.regression) return oof[i].item<double>();
  return t.classes.at(static_cast<size_t>(oof[i].item<int64_t>()));
}

std::vector<nlohmann::json> prediction_rows(const std::vector<ProbeItem>& items, const Targets& t,
                                            const LayerResults& r) {
  std::vector<nlohmann::json> rows;
  for (size_t i = 0; i < items.size(); ++i) {
    nlohmann::json predicted = nlohmann::json::object();
    for (size_t m = 0; m < r.methods.size(); ++m) {
      nlohmann::json per_layer = nlohmann::json::array();
      for (size_t l = 0; l < r.layers.size(); ++l)
        per_layer.push_back(prediction_value(t, r.scores[l][m].oof, static_cast<int64_t>(i)));
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
  const std::vector<ProbeMethod> methods = read_methods(c, source);
  const ProbeOptions base = read_probe_options(c);
  const std::vector<ProbeItem> items = read_items(c, source);
  const Targets targets = encode_targets(items, config_get<std::string>(c, "data.target_type"), source);
  const auto n = static_cast<int64_t>(items.size());
  const std::vector<torch::Tensor> folds = kfold_test_indices(n, config_get<int64_t>(c, "probe.folds"),
                                                              config_get<uint64_t>(c, "seed"));

  const TokenizerSetup tokenizer = load_tokenizer_from_config(c, source);
  std::shared_ptr<CausalLM> model = load_model_from_config(c, source);
  model->eval();
  HiddenStateOptions hidden;
  hidden.site = config_get<std::string>(c, "probe.site");
  hidden.layers = resolve_layers(*model, read_layers(c, source));
  hidden.batch_size = config_get<int64_t>(c, "probe.batch_size");
  hidden.pad_id = padding_id(*tokenizer.tokenizer);
  const auto prompts = tokenize_prompts(items, tokenizer, config_get<std::string>(c, "data.format"));
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
  s.option("data.format", "raw", "raw: the prompt with the tokenizer's BOS; qa: as a question in the chat template",
           {"raw", "qa"});
  s.option("data.target_type", "auto", "regression, classification (one-vs-rest), or auto (numbers: regression)",
           {"auto", "regression", "classification"});
  s.option("data.max_items", 0, "use only the first N items (0: all)");
  s.option("probe.site", "output", "hook site within each layer (layers.{i}.<site>)", layer_site_names());
  s.option("probe.layers", nlohmann::json::array(), "layers to probe (empty: all)");
  s.option("probe.batch_size", 16, "prompts per forward pass");
  s.option("probe.folds", 5, "k of k-fold cross-validation");
  s.option("probe.methods", nlohmann::json::array({"ls_svr", "irls_ls_svr", "elm", "irls_elm"}),
           "probes: ls_svr, weighted_ls_svr, irls_ls_svr, elm, irls_elm");
  s.option("probe.ls_svr.kernel", "linear", "LS-SVR kernel", {"linear", "rbf"});
  s.option("probe.ls_svr.C", 1.0, "LS-SVR regularization (larger fits closer; linear kernel on features / sqrt(D))");
  s.option("probe.ls_svr.sigma", 0.0, "RBF width, K = exp(-|x-z|^2/sigma^2) (0: median distance)");
  s.option("probe.elm.hidden_units", 200, "ELM random hidden units L");
  s.option("probe.elm.activation", "sigmoid", "ELM hidden activation", {"sigmoid", "tanh"});
  s.option("probe.elm.C", 0.1, "ELM ridge: beta = (I/C + H'VH)^-1 H'Vy");
  s.option("probe.elm.weight_scale", 0.0, "ELM hidden weights/biases ~ U[-s, s] (0: sqrt(3/D))");
  s.option("probe.irls.weight_function", "hampel", "IRLS weights", {"hampel", "huber", "bisquare", "logistic"});
  s.option("probe.irls.max_iterations", 50, "IRLS refits at most");
  s.option("probe.irls.tolerance", 1e-4, "IRLS stops when no coefficient changes more than this");
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
