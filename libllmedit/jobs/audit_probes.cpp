#include "libllmedit/jobs/audit_probes.h"

#include <torch/torch.h>

#include <cstdio>
#include <map>
#include <sstream>

#include "libllmedit/core/error.h"
#include "libllmedit/core/logging.h"
#include "libllmedit/probe/cross_validation.h"
#include "libllmedit/probe/hidden_states.h"

namespace llmedit {

namespace {

struct ProbeData {
  std::vector<ProbeItem> items;  // training people first, then test people
  int64_t train = 0;
  ProbeTargets targets;
  torch::Tensor train_index, test_index;  // [N_train], [N_test] int64
};

ProbeData read_probe_data(const ProbeAuditOptions& o, const std::string& source) {
  ProbeData d;
  d.items = read_world_items(o.world, o.train, "audit.probes.world");
  d.train = static_cast<int64_t>(d.items.size());
  std::vector<ProbeItem> test = read_world_items(o.world, o.test, "audit.probes.world");
  if (d.train < 2 || test.empty())
    throw config_error(source + ": audit.probes.train_splits and test_splits select " + std::to_string(d.train) + " and " +
                       std::to_string(test.size()) + " people of " + o.world + "; need at least 2 and 1");
  d.items.insert(d.items.end(), test.begin(), test.end());
  d.targets = encode_targets(d.items, o.target_type, source + ": audit.probes");
  const auto n = static_cast<int64_t>(d.items.size());
  d.train_index = torch::arange(0, d.train, torch::kInt64);
  d.test_index = torch::arange(d.train, n, torch::kInt64);
  return d;
}

// Chance: the training people's mean (RMSE on the test people) or majority class (its rate).
double chance_score(const ProbeData& d) {
  const ProbeTargets& t = d.targets;
  if (t.regression) {
    const double mean = t.values.index_select(0, d.train_index).mean().item<double>();
    return (t.values.index_select(0, d.test_index) - mean).pow(2).mean().sqrt().item<double>();
  }
  const int64_t classes = static_cast<int64_t>(t.classes.size());
  const int64_t majority = torch::bincount(t.labels.index_select(0, d.train_index), {}, classes).argmax().item<int64_t>();
  return t.labels.index_select(0, d.test_index).eq(majority).to(torch::kFloat64).mean().item<double>();
}

struct Score {
  nlohmann::json metrics;  // {"rmse", "r2"} or {"accuracy"}
  double value = 0.0;      // RMSE or accuracy
  torch::Tensor predicted; // [N_test] values or labels
};

Score score_probe(const ProbeData& d, const torch::Tensor& x, ProbeOptions options) {
  const ProbeTargets& t = d.targets;
  const torch::Tensor x_train = x.index_select(0, d.train_index), x_test = x.index_select(0, d.test_index);
  Score s;
  if (t.regression) {
    const ProbeFit fit = fit_predict(options, x_train, t.values.index_select(0, d.train_index), x_test);
    const RegressionScores r = regression_scores(t.values.index_select(0, d.test_index), fit.prediction);
    s.metrics = {{"rmse", r.rmse}, {"r2", r.r2}};
    s.value = r.rmse;
    s.predicted = fit.prediction;
  } else {
    const ProbeFit fit = fit_predict_one_vs_rest(options, x_train, t.labels.index_select(0, d.train_index),
                                                 static_cast<int64_t>(t.classes.size()), x_test);
    s.value = classification_accuracy(t.labels.index_select(0, d.test_index), fit.prediction);
    s.metrics = {{"accuracy", s.value}};
    s.predicted = fit.prediction.argmax(1);
  }
  return s;
}

std::string splits_label(const std::vector<std::string>& splits) {
  if (splits.empty()) return "all";
  std::string out;
  for (const std::string& split : splits) out += (out.empty() ? "" : "+") + split;
  return out;
}

bool better(bool regression, double a, double b) { return regression ? a < b : a > b; }

std::string fixed(double v, int digits = 3) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.*f", digits, v);
  return buffer;
}

// The method the verdict speaks of: the first robust (IRLS) one listed, else the first.
size_t headline_method(const std::vector<ProbeMethod>& methods) {
  for (size_t m = 0; m < methods.size(); ++m)
    if (methods[m] == ProbeMethod::IrlsLsSvr || methods[m] == ProbeMethod::IrlsElm) return m;
  return 0;
}

struct ModelScores {
  std::string name;
  std::vector<std::vector<Score>> scores;  // [layer][method]
};

std::pair<size_t, double> best_layer(const ModelScores& s, size_t method, bool regression) {
  size_t pick = 0;
  for (size_t l = 1; l < s.scores.size(); ++l)
    if (better(regression, s.scores[l][method].value, s.scores[pick][method].value)) pick = l;
  return {pick, s.scores[pick][method].value};
}

std::string verdict(const ProbeAuditOptions& o, const std::vector<ModelScores>& all, const std::vector<int64_t>& layers,
                    bool regression, double chance) {
  const size_t m = headline_method(o.methods);
  const char* what = regression ? "RMSE" : "accuracy";
  std::ostringstream line;
  line << "probes on " << o.train.attribute << " of " << splits_label(o.test.splits) << " people ("
       << probe_method_name(o.methods[m]) << "): best " << what;
  bool last_beats = false, first_beats = false;
  for (size_t i = 0; i < all.size(); ++i) {
    const auto [layer, value] = best_layer(all[i], m, regression);
    line << (i ? ", " : " ") << fixed(value) << " on the " << all[i].name << " model (layer " << layers[layer] << ")";
    const bool beats = better(regression, value, chance);
    if (i == 0) first_beats = beats;
    last_beats = beats;
  }
  line << " vs chance " << fixed(chance) << ": ";
  if (all.size() > 1 && !first_beats) line << "not decodable even before unlearning, so the probes cannot tell";
  else if (last_beats) line << "still decodable after unlearning (beats chance)";
  else line << "no better than chance after unlearning";
  return line.str();
}

std::string summary_table(const ProbeAuditOptions& o, const std::vector<ModelScores>& all,
                          const std::vector<int64_t>& layers, bool regression, double chance) {
  std::ostringstream md;
  md << "\n## Probes (" << o.train.attribute << ": trained on " << splits_label(o.train.splits) << " people, "
     << (regression ? "RMSE" : "accuracy") << " on " << splits_label(o.test.splits) << " people; chance "
     << fixed(chance) << ")\n\n| layer | method |";
  for (const ModelScores& s : all) md << " " << s.name << " |";
  md << "\n| --- | --- |";
  for (size_t i = 0; i < all.size(); ++i) md << " --- |";
  md << "\n";
  for (size_t l = 0; l < layers.size(); ++l)
    for (size_t m = 0; m < o.methods.size(); ++m) {
      md << "| " << layers[l] << " | " << probe_method_name(o.methods[m]) << " |";
      for (const ModelScores& s : all) md << " " << fixed(s.scores[l][m].value) << " |";
      md << "\n";
    }
  return md.str();
}

}  // namespace

ProbeAuditResult run_probe_audit(const ProbeAuditOptions& o, const std::vector<ProbedModel>& models,
                                 const TokenizerSetup& tokenizer, const std::string& source) {
  const ProbeData d = read_probe_data(o, source);
  const bool regression = d.targets.regression;
  const double chance = chance_score(d);
  const auto prompts = tokenize_probe_prompts(d.items, tokenizer, o.format);
  std::vector<ModelScores> all;
  std::vector<int64_t> layers;
  ProbeAuditResult result;
  nlohmann::json rows = nlohmann::json::array();
  for (const ProbedModel& probed : models) {
    std::shared_ptr<CausalLM> model = probed.load();
    model->eval();
    HiddenStateOptions hidden;
    hidden.site = o.site;
    hidden.layers = resolve_layers(*model, o.layers);
    hidden.batch_size = o.batch_size;
    hidden.pad_id = padding_id(*tokenizer.tokenizer);
    layers = hidden.layers;
    const std::vector<torch::Tensor> features = last_token_states(*model, prompts, hidden);  // per layer [N, D]
    ModelScores s{probed.name, {}};
    for (size_t l = 0; l < layers.size(); ++l) {
      s.scores.emplace_back();
      for (ProbeMethod method : o.methods) {
        ProbeOptions options = o.probe;
        options.method = method;
        Score score = score_probe(d, features[l], options);
        nlohmann::json row = {{"model", probed.name}, {"layer", layers[l]}, {"method", probe_method_name(method)}};
        row.update(score.metrics);
        rows.push_back(row);
        s.scores.back().push_back(std::move(score));
      }
    }
    spdlog::info("audit: probes on the {} model done", probed.name);
    all.push_back(std::move(s));
  }
  for (const ModelScores& s : all)
    for (size_t m = 0; m < o.methods.size(); ++m)
      for (int64_t i = 0; i < d.test_index.size(0); ++i) {
        nlohmann::json per_layer = nlohmann::json::array();
        for (size_t l = 0; l < layers.size(); ++l) per_layer.push_back(target_value(d.targets, s.scores[l][m].predicted, i));
        const ProbeItem& item = d.items[static_cast<size_t>(d.train + i)];
        result.predictions.push_back({{"part", "probes"}, {"variant", s.name}, {"method", probe_method_name(o.methods[m])},
                                      {"prompt", item.prompt}, {"target", item.target}, {"predicted_per_layer", per_layer}});
      }
  nlohmann::json best = nlohmann::json::object();
  for (const ModelScores& s : all)
    for (size_t m = 0; m < o.methods.size(); ++m) {
      const auto [layer, value] = best_layer(s, m, regression);
      best[s.name][probe_method_name(o.methods[m])] = {{"layer", layers[layer]}, {regression ? "rmse" : "accuracy", value}};
    }
  const std::string line = verdict(o, all, layers, regression, chance);
  result.metrics = {{"attribute", o.train.attribute},
                    {"task", regression ? "regression" : "classification"},
                    {"train_items", d.train},
                    {"test_items", d.test_index.size(0)},
                    {"site", o.site},
                    {"chance", {{regression ? "rmse" : "accuracy", chance}}},
                    {"rows", rows},
                    {"best", best},
                    {"verdict", line}};
  if (!regression) result.metrics["classes"] = d.targets.classes.size();
  result.summary = summary_table(o, all, layers, regression, chance) + "\n" + line + "\n";
  return result;
}

}  // namespace llmedit
