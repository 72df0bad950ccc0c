// Robust probes (libllmedit/probe, DESIGN.md §6): hand-computed values for the scale, the weight
// functions, LS-SVR and ELM; the IRLS loop's iteration count; the sinc acceptance check at a small
// size; cross-validation; hidden states at the last token; and the `probe` job end to end.
#include <torch/torch.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "libllmedit/core/atomic_file.h"
#include "libllmedit/core/error.h"
#include "libllmedit/model/init_weights.h"
#include "libllmedit/probe/cross_validation.h"
#include "libllmedit/probe/elm.h"
#include "libllmedit/probe/hidden_states.h"
#include "libllmedit/probe/irls.h"
#include "libllmedit/probe/layer_chart.h"
#include "libllmedit/probe/ls_svr.h"
#include "libllmedit/probe/probe_model.h"
#include "libllmedit/probe/robust_fit.h"
#include "libllmedit/probe/sinc_experiment.h"
#include "libllmedit/probe/weight_functions.h"
#include "tests/cli_runner.h"
#include "tests/fixtures.h"

using namespace llmedit;
using namespace llmedit::test;

namespace {

torch::Tensor f64(const std::vector<double>& values) { return torch::tensor(values, torch::kFloat64); }

void check_values(const torch::Tensor& actual, const std::vector<double>& expected, double margin = 1e-12) {
  REQUIRE(actual.numel() == static_cast<int64_t>(expected.size()));
  for (size_t i = 0; i < expected.size(); ++i) {
    INFO("index " << i);
    CHECK(actual[static_cast<int64_t>(i)].item<double>() == Approx(expected[i]).margin(margin));
  }
}

WeightFunctionOptions weights_of(WeightFunction function) {
  WeightFunctionOptions o;
  o.function = function;
  return o;
}

}  // namespace

TEST_CASE("probe: MAD scale and median by hand", "[probe]") {
  // Odd count: median 3, |e - 3| = 2 1 0 1 97, median 1.
  CHECK(mad_scale(f64({1, 2, 3, 4, 100})) == Approx(1.483));
  // Even count: median (2 + 3) / 2 = 2.5; deviations .5 .5 1.5 1.5 2.5 7.5, median 1.5.
  CHECK(sample_median(f64({10, 0, 4, 1, 3, 2})) == Approx(2.5));
  CHECK(mad_scale(f64({10, 0, 4, 1, 3, 2})) == Approx(1.483 * 1.5));
  CHECK(mad_scale(f64({5, 5, 5, 1})) == 0.0);
}

TEST_CASE("probe: weight functions at chosen residuals", "[probe]") {
  // Hampel (c1 2.5, c2 3): 1 up to 2.5, linear to 0 at 3, floor 1e-4 beyond; symmetric.
  check_values(robust_weights(f64({0, 2.5, 2.75, -2.75, 3, 5}), weights_of(WeightFunction::Hampel)),
               {1, 1, 0.5, 0.5, 1e-4, 1e-4});
  // Huber (1.345): c / |r| beyond c.
  check_values(robust_weights(f64({0, 1.345, 2.69, -5}), weights_of(WeightFunction::Huber)), {1, 1, 0.5, 0.269});
  // Bisquare (4.685): (1 - (r/c)^2)^2 inside, 0 (floored) at and beyond c.
  check_values(robust_weights(f64({0, 4.685 / 2, -4.685 / 2, 4.685, 10}), weights_of(WeightFunction::Bisquare)),
               {1, 0.5625, 0.5625, 1e-4, 1e-4});
  // Logistic: tanh(r) / r.
  check_values(robust_weights(f64({0, 1, -2}), weights_of(WeightFunction::Logistic)),
               {1, std::tanh(1.0), std::tanh(2.0) / 2}, 1e-12);
  WeightFunctionOptions floor = weights_of(WeightFunction::Hampel);
  floor.floor = 0.01;
  check_values(robust_weights(f64({10}), floor), {0.01});
  CHECK(parse_weight_function("bisquare", "f") == WeightFunction::Bisquare);
  CHECK_THROWS_WITH(parse_weight_function("tukey", "probe.irls.weight_function"),
                    Catch::Contains("probe.irls.weight_function") && Catch::Contains("tukey"));
}

TEST_CASE("probe: LS-SVR with a linear kernel on three points, solved by hand", "[probe]") {
  // x = 0, 1, 2; y = 1, 2, 4; C = 1. The system
  //   α1 + α2 + α3 = 0,  b + α1 = 1,  b + 2α2 + 2α3 = 2,  b + 2α2 + 5α3 = 4
  // gives α3 = 2/3, b = 4/3, α1 = α2 = −1/3: f(x) = (Σ α_i x_i) x + b = x + 4/3.
  const torch::Tensor x = f64({0, 1, 2}).unsqueeze(1), y = f64({1, 2, 4});
  const LsSvrOptions options{KernelType::Linear, 1.0, 1.0};
  const LsSvrModel model = fit_ls_svr(x, y, options);
  CHECK(model.bias == Approx(4.0 / 3));
  check_values(model.alpha, {-1.0 / 3, -1.0 / 3, 2.0 / 3}, 1e-10);
  check_values(model.predict(f64({3, -1}).unsqueeze(1)), {13.0 / 3, 1.0 / 3}, 1e-10);
  CHECK(model.alpha.sum().item<double>() == Approx(0).margin(1e-12));

  // Weight 1/2 on the third point doubles its 1/(C v): α3 = 1/2, b = 4/3, α = (−1/3, −1/6, 1/2),
  // f(x) = 5/6 x + 4/3.
  const LsSvrModel weighted = fit_ls_svr(x, y, options, f64({1, 1, 0.5}));
  CHECK(weighted.bias == Approx(4.0 / 3));
  check_values(weighted.alpha, {-1.0 / 3, -1.0 / 6, 0.5}, 1e-10);
  check_values(weighted.predict(f64({6}).unsqueeze(1)), {5.0 + 4.0 / 3}, 1e-10);

  // The RBF kernel by its formula, exp(−‖x − z‖² / σ²).
  const torch::Tensor k = kernel_matrix(f64({0, 0, 1, 1}).view({2, 2}), f64({0, 2}).view({1, 2}), KernelType::Rbf, 2.0);
  check_values(k.flatten(), {std::exp(-4.0 / 4), std::exp(-2.0 / 4)});
  CHECK_THROWS_WITH(fit_ls_svr(x, f64({1, 2}), options), Catch::Contains("[3, 1]") && Catch::Contains("[2]"));
}

TEST_CASE("probe: ELM with given hidden weights against a hand-solved ridge", "[probe]") {
  // Two sigmoid units h1 = σ(x), h2 = σ(−x + 1); β = (I/C + HᵀVH)⁻¹ HᵀVy with the 2×2 inverse
  // written out.
  ElmHidden hidden;
  hidden.weight = f64({1, -1}).view({1, 2});
  hidden.bias = f64({0, 1});
  hidden.activation = ElmActivation::Sigmoid;
  const std::vector<double> xs = {-1, 0, 2, 3}, ys = {0.5, 1, -1, 2}, vs = {1, 0.5, 1, 0.25};
  const double C = 4;
  double a11 = 1 / C, a12 = 0, a22 = 1 / C, r1 = 0, r2 = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    const double h1 = 1 / (1 + std::exp(-xs[i])), h2 = 1 / (1 + std::exp(xs[i] - 1));
    a11 += vs[i] * h1 * h1, a12 += vs[i] * h1 * h2, a22 += vs[i] * h2 * h2;
    r1 += vs[i] * h1 * ys[i], r2 += vs[i] * h2 * ys[i];
  }
  const double det = a11 * a22 - a12 * a12;
  const double beta1 = (a22 * r1 - a12 * r2) / det, beta2 = (a11 * r2 - a12 * r1) / det;

  const ElmModel model = ElmSystem(f64(xs).unsqueeze(1), f64(ys), hidden, C).solve(f64(vs));
  check_values(model.beta, {beta1, beta2}, 1e-10);
  const double at5 = beta1 / (1 + std::exp(-5.0)) + beta2 / (1 + std::exp(5.0 - 1));
  check_values(model.predict(f64({5}).unsqueeze(1)), {at5}, 1e-10);

  ElmOptions options;
  options.hidden_units = 7;
  options.seed = 11;
  options.weight_scale = 0.5;
  const ElmHidden a = random_elm_hidden(3, options), b = random_elm_hidden(3, options);
  CHECK(torch::equal(a.weight, b.weight));
  CHECK(a.weight.sizes() == std::vector<int64_t>{3, 7});
  CHECK(a.weight.abs().max().item<double>() <= 0.5);
  options.seed = 12;
  CHECK_FALSE(torch::equal(a.weight, random_elm_hidden(3, options).weight));
}

TEST_CASE("probe: IRLS reports its refits and stops on the coefficient change", "[probe]") {
  // A weighted mean: the coefficient is Σ v y / Σ v, fitted everywhere.
  const torch::Tensor y = f64({-2, -1, 0, 1, 2, 1.5, -1.5, 0.5, -0.5, 50});
  int calls = 0;
  const WeightedSolver mean = [&](const torch::Tensor& v) {
    ++calls;
    const torch::Tensor m = (v * y).sum() / v.sum();
    return WeightedFit{m.unsqueeze(0), m.expand({y.size(0)})};
  };
  IrlsOptions options;
  const IrlsResult result = run_irls(y, mean, options);
  CHECK(result.converged);
  CHECK(result.iterations == calls - 1);
  CHECK(result.iterations >= 2);
  CHECK(result.iterations < options.max_iterations);
  CHECK(result.last_change <= options.tolerance);
  CHECK(result.weights[9].item<double>() == Approx(1e-4));  // the outlier
  CHECK(result.weights.slice(0, 0, 9).min().item<double>() == 1.0);

  options.max_iterations = 1;  // Suykens et al.'s weighted fit: one reweighting
  calls = 0;
  const IrlsResult one = run_irls(y, mean, options);
  CHECK(one.iterations == 1);
  CHECK(calls == 2);
  CHECK_FALSE(one.converged);

  options.max_iterations = 0;
  CHECK(run_irls(y, mean, options).iterations == 0);

  // Equal targets: MAD 0, nothing to reweight.
  const torch::Tensor flat = f64({3, 3, 3, 3});
  const WeightedSolver exact = [&](const torch::Tensor&) { return WeightedFit{f64({3}), flat}; };
  const IrlsResult none = run_irls(flat, exact, IrlsOptions{});
  CHECK(none.converged);
  CHECK(none.iterations == 0);

  // LS-SVR on sinc with outliers converges below the cap and down-weights the outliers.
  SincOptions sinc;
  sinc.train_points = 150;
  sinc.seed = 4;
  const SincData d = make_sinc_data(sinc);
  const auto fit = fit_irls_ls_svr(d.x.unsqueeze(1), d.y, sinc.ls_svr, sinc.irls);
  CHECK(fit.irls.converged);
  CHECK(fit.irls.iterations >= 1);
  CHECK(fit.irls.iterations < 50);
  CHECK(fit.irls.weights.masked_select(d.outlier).mean().item<double>() < 0.3);
  CHECK(fit.irls.weights.masked_select(~d.outlier).mean().item<double>() > 0.9);
}

TEST_CASE("probe: at 20% outliers on sinc the IRLS fits halve the RMSE of the unweighted ones", "[probe]") {
  std::map<std::string, double> total;
  const int seeds = 3;
  for (int seed = 0; seed < seeds; ++seed) {
    SincOptions o;
    o.train_points = 200;
    o.outlier_fraction = 0.2;
    o.seed = o.elm.seed = static_cast<uint64_t>(seed);
    const SincData d = make_sinc_data(o);
    CHECK(d.outlier.sum().item<int64_t>() == 40);
    for (const SincMethodResult& r : run_sinc_experiment(o)) total[r.method] += r.rmse / seeds;
  }
  INFO("ls_svr " << total["ls_svr"] << ", irls_ls_svr " << total["irls_ls_svr"] << ", elm " << total["elm"]
                 << ", irls_elm " << total["irls_elm"] << ", weighted_ls_svr " << total["weighted_ls_svr"]);
  CHECK(total["irls_ls_svr"] <= 0.5 * total["ls_svr"]);
  CHECK(total["irls_elm"] <= 0.5 * total["elm"]);
  CHECK(total["weighted_ls_svr"] < total["ls_svr"]);
}

TEST_CASE("probe: k folds partition the items, scores by hand", "[probe]") {
  const auto folds = kfold_test_indices(11, 3, 5);
  REQUIRE(folds.size() == 3);
  std::set<int64_t> seen;
  for (const torch::Tensor& f : folds) {
    CHECK((f.numel() == 3 || f.numel() == 4));
    for (int64_t i = 0; i < f.numel(); ++i) seen.insert(f[i].item<int64_t>());
  }
  CHECK(seen.size() == 11);
  CHECK(torch::equal(folds[0], kfold_test_indices(11, 3, 5)[0]));
  CHECK_THROWS_WITH(kfold_test_indices(3, 5, 0), Catch::Contains("folds = 5"));

  const RegressionScores s = regression_scores(f64({1, 2, 3}), f64({1, 2, 4}));
  CHECK(s.rmse == Approx(std::sqrt(1.0 / 3)));
  CHECK(s.r2 == Approx(0.5));  // 1 − 1/2
  CHECK(classification_accuracy(torch::tensor({0, 1, 1}), f64({0.9, 0.1, 0.2, 0.8, 0.7, 0.3}).view({3, 2})) ==
        Approx(2.0 / 3));
}

TEST_CASE("probe: cross-validated probes read a linear and a class signal", "[probe]") {
  torch::manual_seed(0);
  const torch::Tensor x = torch::randn({120, 6}, torch::kFloat64);
  const torch::Tensor y = x.matmul(f64({1, -2, 0.5, 0, 0, 3})) * 10 + 1950;  // years-like scale
  const auto folds = kfold_test_indices(120, 5, 1);
  for (const std::string& name : probe_method_names()) {
    INFO(name);
    ProbeOptions o;
    o.method = parse_probe_method(name, "m");
    o.ls_svr.C = 100;
    o.elm.C = 100;
    const torch::Tensor p = cross_val_predict(120, folds, [&](const torch::Tensor& train, const torch::Tensor& test) {
      return fit_predict(o, x.index_select(0, train), y.index_select(0, train), x.index_select(0, test)).prediction;
    });
    CHECK(regression_scores(y, p).r2 > 0.9);
  }
  const torch::Tensor labels = (x.select(1, 0) > 0.5).to(torch::kInt64) + (x.select(1, 1) > 0.5).to(torch::kInt64);
  ProbeOptions o;
  o.ls_svr.kernel = KernelType::Rbf;  // sigma from the median distance
  const torch::Tensor scores = cross_val_predict(120, folds, [&](const torch::Tensor& train, const torch::Tensor& test) {
    return fit_predict_one_vs_rest(o, x.index_select(0, train), labels.index_select(0, train), 3, x.index_select(0, test))
        .prediction;
  });
  CHECK(classification_accuracy(labels, scores) > 0.7);
}

TEST_CASE("probe: last-token states of left-padded batches equal single-prompt hidden states", "[probe]") {
  const nlohmann::json config = {{"architectures", {"LlamaForCausalLM"}}, {"model_type", "llama"}, {"vocab_size", 40},
                                 {"hidden_size", 32}, {"intermediate_size", 64}, {"num_hidden_layers", 3},
                                 {"num_attention_heads", 4}, {"num_key_value_heads", 2}, {"max_position_embeddings", 64}};
  const ArchSpec spec = ArchSpec::from_config(config, "test");
  CausalLM model(spec, config, init_weights(spec, 0.2, 7), "test weights");
  const std::vector<std::vector<int64_t>> prompts = {{1, 5, 9}, {1, 7}, {1, 3, 4, 8, 2}, {1, 6, 6, 6}};
  HiddenStateOptions o;
  o.batch_size = 3;
  o.pad_id = 0;
  o.site = "input";
  const auto inputs = last_token_states(model, prompts, o);
  o.site = "output";
  o.layers = {0, 1};
  const auto outputs = last_token_states(model, prompts, o);
  REQUIRE(inputs.size() == 3);
  REQUIRE(outputs.size() == 2);
  CHECK(inputs[0].sizes() == std::vector<int64_t>{4, 32});
  torch::NoGradGuard no_grad;
  for (size_t p = 0; p < prompts.size(); ++p) {
    ForwardOptions forward;
    forward.output_hidden_states = true;
    const auto out = model.forward(torch::tensor(prompts[p]).unsqueeze(0), forward);
    const auto i = static_cast<int64_t>(p);
    for (int64_t layer = 0; layer < 3; ++layer) {  // hidden_states[l] enters block l
      const torch::Tensor expected = out.hidden_states[layer][0][-1].to(torch::kFloat64);
      CHECK((inputs[layer][i] - expected).abs().max().item<double>() < 1e-4);
    }
    for (int64_t layer = 0; layer < 2; ++layer) {
      const torch::Tensor expected = out.hidden_states[layer + 1][0][-1].to(torch::kFloat64);
      CHECK((outputs[layer][i] - expected).abs().max().item<double>() < 1e-4);
    }
  }
  o.site = "mlp.outt";
  CHECK_THROWS_WITH(last_token_states(model, prompts, o), Catch::Contains("mlp.outt"));
  o.site = "output";
  o.layers = {3};
  CHECK_THROWS_WITH(last_token_states(model, prompts, o), Catch::Contains("layer 3"));
}

TEST_CASE("probe: the layer chart is an SVG with a line per method and a reference", "[probe]") {
  LineChart chart;
  chart.title = "R&D <probe>";
  chart.y_label = "RMSE";
  chart.x = {0, 1, 2};
  chart.series = {{"ls_svr", {3, 2, 1}}, {"irls_elm", {2.5, NAN, 0.5}}};
  chart.has_reference = true;
  chart.reference = 4;
  chart.reference_label = "predict the mean";
  const std::string svg = line_chart_svg(chart);
  CHECK(svg.rfind("<svg", 0) == 0);
  CHECK_THAT(svg, Catch::Contains("R&amp;D &lt;probe&gt;") && Catch::Contains("ls_svr") &&
                      Catch::Contains("irls_elm") && Catch::Contains("stroke-dasharray") &&
                      Catch::Contains("predict the mean"));
  size_t polylines = 0;
  for (size_t at = svg.find("<polyline"); at != std::string::npos; at = svg.find("<polyline", at + 1)) ++polylines;
  CHECK(polylines == 2);
  CHECK(svg.find("nan") == std::string::npos);
}

namespace {

void write_json(const std::string& path, const nlohmann::json& value) { std::ofstream(path) << value.dump(2); }

// A micro world, its tokenizer and a 10-step micro model: the probe job's input.
std::string make_micro_model(const std::string& dir) {
  REQUIRE(run_cli("world --seed 5 --people 30 --orgs 0 --out " + shell_quote(dir + "/world")).exit_code == 0);
  REQUIRE(run_cli("train-tokenizer --input " + shell_quote(dir + "/world/corpus.txt") + " --vocab-size 400 --out " +
                  shell_quote(dir + "/tokenizer"))
              .exit_code == 0);
  write_json(dir + "/train.json",
             {{"job", "train"},
              {"seed", 3},
              {"threads", 1},
              {"model",
               {{"tokenizer", dir + "/tokenizer"},
                {"init",
                 {{"architectures", {"LlamaForCausalLM"}}, {"model_type", "llama"}, {"hidden_size", 32},
                  {"intermediate_size", 64}, {"num_hidden_layers", 2}, {"num_attention_heads", 4},
                  {"num_key_value_heads", 2}, {"max_position_embeddings", 128}}}}},
              {"data", {{"train", {dir + "/world/qa/world_qa.jsonl"}}, {"max_length", 64}}},
              {"train", {{"max_steps", 10}, {"per_device_train_batch_size", 8}, {"learning_rate", 3e-3}}},
              {"output", {{"dir", dir + "/train-run"}}}});
  const CommandResult train = run_cli("run " + shell_quote(dir + "/train.json"));
  INFO(train.error);
  REQUIRE(train.exit_code == 0);
  return dir + "/train-run/model";
}

}  // namespace

TEST_CASE("probe job: birth year from a world and classes from a JSONL, per layer", "[probe][cli]") {
  TempDir dir("probe-job");
  const std::string model = make_micro_model(dir.path);
  const nlohmann::json base = {{"job", "probe"},
                               {"threads", 1},
                               {"model", {{"path", model}}},
                               {"data",
                                {{"world", dir.path + "/world/world.json"},
                                 {"attribute", "birth_year"},
                                 {"prompt_template", "In what year was {name} born?"},
                                 {"format", "qa"}}},
                               {"probe", {{"folds", 3}, {"methods", {"ls_svr", "irls_ls_svr", "irls_elm"}}}},
                               {"output", {{"dir", dir.path + "/probe-run"}}}};
  write_json(dir.path + "/probe.json", base);
  const CommandResult run = run_cli("run " + shell_quote(dir.path + "/probe.json"));
  INFO(run.error);
  REQUIRE(run.exit_code == 0);
  const std::string out = dir.path + "/probe-run";
  const nlohmann::json m = nlohmann::json::parse(read_text_file(out + "/metrics.json"));
  CHECK(m["task"] == "regression");
  CHECK(m["items"] == 30);
  CHECK(m["folds"] == 3);
  REQUIRE(m["layers"].size() == 2);
  CHECK(m["layers"][1]["hook"] == "layers.1.output");
  CHECK(m["layers"][0]["irls_ls_svr"].contains("irls_refits"));
  CHECK(m["layers"][0]["ls_svr"]["rmse"].get<double>() > 0);
  CHECK(m["baseline"]["rmse"].get<double>() > 0);
  CHECK(m["best"]["irls_elm"].contains("layer"));
  const std::string summary = read_text_file(out + "/summary.md");
  CHECK_THAT(summary, Catch::Contains("Per layer") && Catch::Contains("| 1 |") && Catch::Contains("probe_layers.svg"));
  const std::string svg = read_text_file(out + "/probe_layers.svg");
  CHECK(svg.rfind("<svg", 0) == 0);
  CHECK_THAT(svg, Catch::Contains("birth_year"));
  std::ifstream predictions(out + "/predictions.jsonl");
  std::string first;
  std::getline(predictions, first);
  CHECK(nlohmann::json::parse(first)["predicted_per_layer"]["ls_svr"].size() == 2);

  {  // classes from a JSONL of prompts (plain blocks: a SECTION would train the model again)
    std::ofstream jsonl(dir.path + "/prompts.jsonl");
    for (int i = 0; i < 12; ++i)
      jsonl << nlohmann::json{{"prompt", i % 2 ? "The river is wide" : "A poem about the sea"},
                              {"target", i % 2 ? "river" : "poem"}}
                   .dump()
            << "\n";
    jsonl.close();
    const CommandResult r = run_cli("run " + shell_quote(dir.path + "/probe.json") + " --set data.world=null --set " +
                                    shell_quote("data.prompts=" + dir.path + "/prompts.jsonl") +
                                    " --set probe.layers=[1] --set output.dir=" + shell_quote(dir.path + "/cls"));
    INFO(r.error);
    REQUIRE(r.exit_code == 0);
    const nlohmann::json c = nlohmann::json::parse(read_text_file(dir.path + "/cls/metrics.json"));
    CHECK(c["task"] == "classification");
    CHECK(c["classes"] == 2);
    CHECK(c["layers"].size() == 1);
    // Two distinct prompts, one per class: every probe separates them.
    CHECK(c["layers"][0]["ls_svr"]["accuracy"].get<double>() == 1.0);
    CHECK(c["baseline"]["accuracy"].get<double>() <= 0.5);
  }
  {  // config and data errors name the key or the file
    CommandResult r = run_cli("run " + shell_quote(dir.path + "/probe.json") + " --set " +
                              shell_quote("data.prompts=" + dir.path + "/x.jsonl") + " --set output.dir=" +
                              shell_quote(dir.path + "/e1"));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.error, Catch::Contains("exactly one of data.prompts and data.world"));
    r = run_cli("run " + shell_quote(dir.path + "/probe.json") + " --set data.attribute=shoe_size --set output.dir=" +
                shell_quote(dir.path + "/e2"));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.error, Catch::Contains("world.json") && Catch::Contains("shoe_size"));
    r = run_cli("run " + shell_quote(dir.path + "/probe.json") + " --set probe.methods='[\"svm\"]' --set output.dir=" +
                shell_quote(dir.path + "/e3"));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.error, Catch::Contains("probe.methods") && Catch::Contains("svm"));
    r = run_cli("config explain " + shell_quote(dir.path + "/probe.json") + " --set probe.site=mlp.outt");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.error, Catch::Contains("probe.site"));
  }
}
