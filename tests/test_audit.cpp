// The audit job (job "audit"): weight quantization against hand-checkable bounds (int8 per
// channel, int4 group-wise, bf16 rounding), the probe part on the shipped world model (which
// knows its people's birth years), relearning on a model unlearned in the test through the CLI,
// and config errors.
#include <torch/torch.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <set>

#include "libllmedit/core/atomic_file.h"
#include "libllmedit/core/error.h"
#include "libllmedit/model/causal_lm.h"
#include "libllmedit/model/init_weights.h"
#include "libllmedit/quant/weight_quantization.h"
#include "tests/cli_runner.h"
#include "tests/fixtures.h"

using namespace llmedit;
using namespace llmedit::test;

namespace {

const std::string kWorld = kRoot + "/data/world";

void write_json(const std::string& path, const nlohmann::json& value) { std::ofstream(path) << value.dump(2); }

std::set<float> distinct(const torch::Tensor& values) {
  const torch::Tensor v = values.contiguous().to(torch::kFloat32);
  return std::set<float>(v.data_ptr<float>(), v.data_ptr<float>() + v.numel());
}

std::shared_ptr<CausalLM> micro_model() {
  const nlohmann::json config = {{"architectures", {"LlamaForCausalLM"}}, {"model_type", "llama"}, {"vocab_size", 40},
                                 {"hidden_size", 32}, {"intermediate_size", 64}, {"num_hidden_layers", 2},
                                 {"num_attention_heads", 4}, {"num_key_value_heads", 2}, {"max_position_embeddings", 64}};
  const ArchSpec spec = ArchSpec::from_config(config, "micro");
  return std::make_shared<CausalLM>(spec, config, init_weights(spec, 0.02, 5), "micro");
}

}  // namespace

TEST_CASE("int8 per-channel quantization: error within half a step, at most 255 levels per row", "[audit][quant]") {
  torch::manual_seed(1);
  torch::Tensor w = torch::randn({16, 40});
  w[3] *= 100.0;  // rows have their own scale: a large row must not coarsen the others
  w[5].zero_();
  const torch::Tensor q = fake_quantize_int8_per_channel(w);
  REQUIRE(q.sizes() == w.sizes());
  for (int64_t row = 0; row < w.size(0); ++row) {
    const double scale = w[row].abs().max().item<double>() / 127.0;
    INFO("row " << row);
    CHECK((q[row] - w[row]).abs().max().item<double>() <= scale / 2 + 1e-6 * (scale + 1));
    CHECK(distinct(q[row]).size() <= 255);
    if (scale > 0) {  // every value is an integer multiple of the row's scale
      const torch::Tensor steps = q[row].to(torch::kFloat64) / scale;
      CHECK((steps - steps.round()).abs().max().item<double>() < 1e-3);
    }
  }
  CHECK(q[5].abs().max().item<double>() == 0.0);
  // The largest magnitude of a row is exact (it defines the scale).
  const int64_t at = w[0].abs().argmax().item<int64_t>();
  CHECK(q[0][at].item<float>() == Approx(w[0][at].item<float>()).epsilon(1e-6));
}

TEST_CASE("int4 group-wise quantization: at most 16 levels per group, error within half a step", "[audit][quant]") {
  torch::manual_seed(2);
  const torch::Tensor w = torch::randn({6, 300});
  const torch::Tensor q = fake_quantize_int4_groupwise(w, 128);  // groups of 128, 128 and 44 columns
  for (int64_t row = 0; row < w.size(0); ++row)
    for (int64_t begin : {0, 128, 256}) {
      const int64_t len = std::min<int64_t>(128, 300 - begin);
      const torch::Tensor g = w[row].narrow(0, begin, len), qg = q[row].narrow(0, begin, len);
      const double step = (std::max(g.max().item<double>(), 0.0) - std::min(g.min().item<double>(), 0.0)) / 15.0;
      INFO("row " << row << " group at " << begin);
      CHECK(distinct(qg).size() <= 16);
      CHECK((qg - g).abs().max().item<double>() <= step / 2 + 1e-5);
    }
  // A group size beyond the row: one group per row (per channel), still at most 16 levels.
  const torch::Tensor per_channel = fake_quantize_int4_groupwise(w, 1024);
  for (int64_t row = 0; row < w.size(0); ++row) CHECK(distinct(per_channel[row]).size() <= 16);
  CHECK(torch::equal(per_channel, fake_quantize_int4_groupwise(w, 0)));
  // Smaller groups follow the weights more closely.
  CHECK((q - w).norm().item<double>() < (per_channel - w).norm().item<double>());
}

TEST_CASE("bf16 rounding: to nearest, ties to even, relative error at most 2^-8", "[audit][quant]") {
  const torch::Tensor x = torch::tensor({1.0f + std::ldexp(1.0f, -9), 1.0f + 3 * std::ldexp(1.0f, -8), -2.5f});
  const torch::Tensor r = fake_quantize_bf16(x);
  CHECK(r[0].item<float>() == 1.0f);                              // below half a step: down
  CHECK(r[1].item<float>() == 1.0f + std::ldexp(1.0f, -6));      // exactly halfway: to the even mantissa
  CHECK(r[2].item<float>() == -2.5f);                             // representable: unchanged
  torch::manual_seed(3);
  const torch::Tensor y = torch::randn({1000}) * 7;
  CHECK(((fake_quantize_bf16(y) - y).abs() / y.abs()).max().item<double>() <= std::ldexp(1.0, -8));
  CHECK(fake_quantize_bf16(y).scalar_type() == torch::kFloat32);
}

TEST_CASE("quantize_linear_weights: every block linear, nothing else, errors ordered bf16 < int8 < int4",
          "[audit][quant]") {
  CHECK_THROWS_WITH(parse_weight_format("int3", "audit.quantization.formats"),
                    Catch::Contains("audit.quantization.formats") && Catch::Contains("int3"));
  std::vector<double> errors;
  for (WeightFormat format : {WeightFormat::Bf16, WeightFormat::Int8PerChannel, WeightFormat::Int4Group}) {
    auto model = micro_model();
    const NamedTensors before = [&] {
      NamedTensors copy;
      for (const auto& [name, t] : model->named_weights()) copy.emplace_back(name, t.clone());
      return copy;
    }();
    const QuantizationStats stats = quantize_linear_weights(*model, {format, 16});
    CHECK(stats.matrices == 2 * 7);  // q, k, v, o, gate, up, down per layer
    // per layer: q 32x32, k and v 16x32 (2 KV heads of 8), o 32x32, gate and up 64x32, down 32x64
    CHECK(stats.parameters == 2 * (1024 + 512 + 512 + 1024 + 3 * 2048));
    int64_t changed = 0;
    for (size_t i = 0; i < before.size(); ++i) {
      const bool is_linear = before[i].first.find("_proj.weight") != std::string::npos;
      const bool same = torch::equal(before[i].second, model->named_weights()[i].second);
      INFO(before[i].first);
      if (!is_linear) CHECK(same);
      changed += !same;
    }
    CHECK(changed == (format == WeightFormat::Bf16 ? changed : 14));
    errors.push_back(stats.relative_error);
  }
  CHECK(errors[0] > 0);
  CHECK(errors[0] < errors[1]);
  CHECK(errors[1] < errors[2]);
}

namespace {

// An audit of `model` with every part off but those the test turns on.
nlohmann::json audit_config(const std::string& model, const std::string& out) {
  return {{"job", "audit"},
          {"seed", 1},
          {"threads", 1},
          {"model", {{"path", model}}},
          {"data", {{"forget", {kWorld + "/qa/forget.jsonl"}}, {"retain", {kWorld + "/qa/retain.jsonl"}}, {"max_length", 128}}},
          {"eval", {{"unlearning", {{"greedy", true}, {"max_new_tokens", 32}, {"max_items", 20}, {"batch_size", 32}}}}},
          {"audit",
           {{"quantization", {{"enabled", false}}},
            {"probes", {{"enabled", false}, {"world", kWorld + "/world.json"}}},
            {"relearning", {{"enabled", false}}}}},
          {"output", {{"dir", out}}}};
}

nlohmann::json read_json(const std::string& path) { return nlohmann::json::parse(read_text_file(path)); }

std::vector<nlohmann::json> read_rows(const std::string& path) {
  std::vector<nlohmann::json> rows;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) rows.push_back(nlohmann::json::parse(line));
  return rows;
}

}  // namespace

TEST_CASE("audit probes: the shipped world model's birth years are decodable for forget people", "[audit][cli]") {
  TempDir dir("audit-probes");
  nlohmann::json config = audit_config(kWorldModel, dir.path + "/run");
  config["audit"]["probes"]["enabled"] = true;
  write_json(dir.path + "/audit.json", config);
  const CommandResult run = run_cli("run " + shell_quote(dir.path + "/audit.json"));
  INFO(run.error);
  REQUIRE(run.exit_code == 0);
  const nlohmann::json m = read_json(dir.path + "/run/metrics.json");
  REQUIRE(m.contains("probes"));
  CHECK_FALSE(m.contains("quantization"));
  const nlohmann::json& p = m["probes"];
  CHECK(p["task"] == "regression");
  CHECK(p["train_items"] == 81);  // the world's retain people
  CHECK(p["test_items"] == 9);    // its forget people
  CHECK(p["rows"].size() == 4 * 2);  // 4 layers x (ls_svr, irls_ls_svr), one model
  const double chance = p["chance"]["rmse"].get<double>();
  CHECK(chance > 1.0);
  // The model answers birth-year questions, so a probe trained on other people reads a forget
  // person's year from the states better than guessing the mean.
  CHECK(p["best"]["unlearned"]["irls_ls_svr"]["rmse"].get<double>() < chance);
  CHECK(p["best"]["unlearned"]["ls_svr"]["rmse"].get<double>() < chance);
  CHECK_THAT(p["verdict"].get<std::string>(), Catch::Contains("still decodable"));
  const auto rows = read_rows(dir.path + "/run/predictions.jsonl");
  REQUIRE(rows.size() == 9 * 2);
  CHECK(rows[0]["part"] == "probes");
  CHECK(rows[0]["variant"] == "unlearned");
  CHECK(rows[0]["predicted_per_layer"].size() == 4);
  CHECK_THAT(read_text_file(dir.path + "/run/summary.md"), Catch::Contains("## Probes") && Catch::Contains("chance"));
}

TEST_CASE("audit relearning and quantization on a model unlearned with ga_gdr through the CLI", "[audit][cli]") {
  TempDir dir("audit-relearn");
  // A few gradient-ascent steps: enough to push the forget answers' likelihood down.
  const CommandResult unlearn = run_cli(
      "run " + shell_quote(kRoot + "/configs/unlearn/world_ga_gdr.json") + " --set method.max_steps=16 --set " +
      shell_quote("data.forget=[\"" + kWorld + "/qa/forget.jsonl\"]") + " --set " +
      shell_quote("data.retain=[\"" + kWorld + "/qa/retain.jsonl\"]") + " --set " + shell_quote("model.path=" + kWorldModel) +
      " --set eval.enabled=false --set eval.loss=false --set output.dir=" + shell_quote(dir.path + "/unlearn"));
  INFO(unlearn.error);
  REQUIRE(unlearn.exit_code == 0);

  nlohmann::json config = audit_config(dir.path + "/unlearn/model", dir.path + "/run");
  config["audit"]["original"] = kWorldModel;
  config["audit"]["quantization"] = {{"enabled", true}, {"formats", {"int4"}}};
  config["audit"]["relearning"] = {{"enabled", true}, {"steps", 10}, {"fraction", 0.2}};
  write_json(dir.path + "/audit.json", config);
  const CommandResult run = run_cli("run " + shell_quote(dir.path + "/audit.json"));
  INFO(run.error);
  REQUIRE(run.exit_code == 0);
  const nlohmann::json m = read_json(dir.path + "/run/metrics.json");

  const nlohmann::json& q = m["quantization"];
  REQUIRE(q["rows"].size() == 3);
  CHECK(q["rows"][0]["variant"] == "original");
  CHECK(q["rows"][1]["variant"] == "unlearned");
  CHECK(q["rows"][2]["variant"] == "int4");
  CHECK(q["rows"][2]["weight_error"].get<double>() > 0);
  // Unlearning took the original's answers away (KFR counts forgotten items).
  CHECK(q["rows"][1]["KFR"].get<double>() > q["rows"][0]["KFR"].get<double>());
  CHECK(q["recovery"]["int4"].get<double>() ==
        Approx(q["rows"][1]["KFR"].get<double>() - q["rows"][2]["KFR"].get<double>()));

  const nlohmann::json& r = m["relearning"];
  CHECK(r["steps"] == 10);
  CHECK(r["trained_on"].size() == 4);  // 20% of the 20 forget items evaluated
  CHECK(r["held_out_items"] == 16);
  REQUIRE(r["rows"].size() == 2);
  // Relearning on other forget items raises the held-out forget answers' likelihood.
  CHECK(r["rows"][1]["forget_answer_nll"].get<double>() < r["rows"][0]["forget_answer_nll"].get<double>());
  CHECK_THAT(r["verdict"].get<std::string>(), Catch::Contains("relearning (10 steps on 4 forget items)"));

  int quantized = 0, after = 0;
  for (const nlohmann::json& row : read_rows(dir.path + "/run/predictions.jsonl")) {
    quantized += row["part"] == "quantization" && row["variant"] == "int4";
    after += row["part"] == "relearning" && row["variant"] == "after";
  }
  CHECK(quantized == 40);  // 20 forget + 20 retain items
  CHECK(after == 16 + 20);
  const std::string summary = read_text_file(dir.path + "/run/summary.md");
  CHECK_THAT(summary, Catch::Contains("## Quantization") && Catch::Contains("| int4 |") &&
                          Catch::Contains("## Relearning") && Catch::Contains("quantization to int4: KFR"));
}

TEST_CASE("audit config errors name the key and exit with 2", "[audit][cli]") {
  TempDir dir("audit-errors");
  nlohmann::json config = audit_config(kWorldModel, dir.path + "/run");
  config["audit"]["probes"]["enabled"] = true;
  write_json(dir.path + "/audit.json", config);
  const std::string base = "run " + shell_quote(dir.path + "/audit.json") + " --set ";
  struct Case {
    std::string set, expect;
  };
  int n = 0;
  for (const Case& c : std::vector<Case>{
           {"audit.quantization.enabled=true --set audit.quantization.formats='[\"int3\"]'", "audit.quantization.formats"},
           {"audit.relearning.enabled=true --set audit.relearning.fraction=1.5", "audit.relearning.fraction"},
           {"audit.quantization.group_size=0", "audit.quantization.group_size"},
           {"audit.probes.enabled=false", "nothing to audit"},
           {"audit.probes.world=''", "audit.probes.world"},
           {"audit.probes.attribute=shoe_size", "shoe_size"},
           {"audit.probes.pattern='(['", "audit.probes.pattern"},
           {"audit.probes.methods='[\"svm\"]'", "audit.probes.methods"},
           {"audit.relearning.data=everything", "audit.relearning.data"},
           {"audit.original=" + shell_quote(dir.path + "/nowhere"), "audit.original"}}) {
    const CommandResult r = run_cli(base + c.set + " --set output.dir=" + shell_quote(dir.path + "/e" + std::to_string(++n)));
    INFO(c.set << "\n" << r.error);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.error, Catch::Contains(c.expect));
  }
}
