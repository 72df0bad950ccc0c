// W8A8 with shadow outliers (quant/w8a8_linear, quant/w8a8_checkpoint, llmedit quantize): the int8
// product is exact and within the error its scales allow, shadow execution recovers an outlier
// channel the clip would destroy, the importance ranking keeps the top fraction, and a quantized
// folder reloads to the same logits; bad inputs exit 2 naming what is wrong.
#include <torch/cuda.h>
#include <torch/torch.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <tuple>

#include "libllmedit/core/atomic_file.h"
#include "libllmedit/core/error.h"
#include "libllmedit/jobs/model_setup.h"
#include "libllmedit/model/init_weights.h"
#include "libllmedit/model/loader.h"
#include "libllmedit/quant/activation_calibration.h"
#include "libllmedit/quant/calibration_samples.h"
#include "libllmedit/quant/int8_gemm.h"
#include "libllmedit/quant/w8a8_checkpoint.h"
#include "libllmedit/quant/w8a8_linear.h"
#include "libllmedit/tokenizer/tokenizer.h"
#include "tests/cli_runner.h"
#include "tests/fixtures.h"

using namespace llmedit;
using llmedit::test::kRoot;
using llmedit::test::kWorldModel;
using llmedit::test::run_cli;
using llmedit::test::shell_quote;
using llmedit::test::TempDir;

namespace {

const std::string kCorpus = kRoot + "/data/world/corpus.txt";

LinearWeights random_linear(int64_t in, int64_t out, uint64_t seed) {
  torch::manual_seed(seed);
  LinearWeights l;
  l.weight = torch::randn({out, in}) * 0.05;  // [out, in]
  l.bias = torch::randn({out}) * 0.1;
  return l;
}

W8A8LinearScales scales_for(const LinearWeights& l, double clip, double absmax, bool shadow,
                            WeightScaleGranularity g = WeightScaleGranularity::PerTensor) {
  W8A8LinearScales s;
  s.name = "test.linear";
  s.input_scale = clip / 127.0;
  s.input_absmax = absmax;
  s.weight_scale = int8_weight_scale(l.weight, g);
  s.shadow = shadow;
  return s;
}

// Worst-case |y − y_float| per output, from x·w − x̂·ŵ = x·δw + δx·ŵ with |δw| ≤ s_w/2 and
// |δx| ≤ s_x/2 (inputs inside the clip): (s_w/2)·Σ|x| + (s_x/2)·Σ|ŵ|.  [N, out]
torch::Tensor error_bound(const torch::Tensor& x, const LinearWeights& l, const W8A8LinearScales& s) {
  const torch::Tensor s_w = s.weight_scale.reshape({-1, 1});                                    // [1|out, 1]
  const torch::Tensor w_hat = torch::round(l.weight / s_w).clamp(-127, 127) * s_w;                // [out, in]
  const torch::Tensor sum_x = x.abs().sum(1, true);                                              // [N, 1]
  return sum_x * (s_w.reshape({1, -1}) / 2) + (s.input_scale / 2) * w_hat.abs().sum(1).unsqueeze(0);  // [N, out]
}

std::shared_ptr<CausalLM> tiny_llama() {
  nlohmann::json c = {{"architectures", {"LlamaForCausalLM"}}, {"model_type", "llama"}, {"vocab_size", 64},
                      {"hidden_size", 32}, {"intermediate_size", 48}, {"num_hidden_layers", 2},
                      {"num_attention_heads", 4}, {"num_key_value_heads", 2}, {"max_position_embeddings", 64}};
  ArchSpec spec = ArchSpec::from_config(c, "test config");
  return std::make_shared<CausalLM>(spec, c, init_weights(spec, 0.2, 5), "test weights");
}

std::vector<std::vector<int64_t>> random_samples(int64_t count, int64_t length, int64_t vocab, uint64_t seed) {
  torch::manual_seed(seed);
  std::vector<std::vector<int64_t>> out;
  for (int64_t i = 0; i < count; ++i) {
    const torch::Tensor ids = torch::randint(0, vocab, {length}, torch::kLong);
    out.emplace_back(ids.data_ptr<int64_t>(), ids.data_ptr<int64_t>() + length);
  }
  return out;
}

torch::Tensor logits_of(CausalLM& model, const std::vector<int64_t>& ids) {
  torch::NoGradGuard no_grad;
  return model.forward(torch::tensor(ids, torch::kLong).unsqueeze(0)).logits.squeeze(0);  // [T, V]
}

}  // namespace

TEST_CASE("W8A8 linear: exact int8 product within the error its scales allow", "[quant]") {
  torch::NoGradGuard no_grad;
  // 1500 input channels exercise the blocked (> 1024) product, 96 the single GEMM.
  for (int64_t in : {int64_t(96), int64_t(1500)}) {
    for (auto g : {WeightScaleGranularity::PerTensor, WeightScaleGranularity::PerChannel}) {
      INFO("in " << in << ", weight scale " << weight_scale_granularity_name(g));
      const LinearWeights l = random_linear(in, 40, 7);
      const torch::Tensor x = torch::randn({2, 5, in});  // [B, T, in]
      const double absmax = x.abs().max().item<double>();
      const W8A8LinearScales s = scales_for(l, absmax, absmax, false, g);
      const W8A8Linear kernel(l, s);
      const torch::Tensor y = kernel.forward(x, l);  // [B, T, out]
      REQUIRE(y.sizes() == torch::IntArrayRef({2, 5, 40}));
      const torch::Tensor x2 = x.reshape({-1, in});
      const torch::Tensor exact = l.float_product(x2);  // [N, out]
      const torch::Tensor err = (y.reshape({-1, 40}) - exact).abs();
      CHECK(err.max().item<double>() > 0.0);  // it does quantize
      CHECK((err <= error_bound(x2, l, s) * 1.0001 + 1e-5).all().item<bool>());
      // The int8 product equals its float64 dequantized reference up to float32 rounding of the result.
      const torch::Tensor s_w = s.weight_scale.reshape({-1, 1}).to(torch::kFloat64);
      const torch::Tensor q_x = torch::round(x2.to(torch::kFloat64) / s.input_scale).clamp(-127, 127);
      const torch::Tensor q_w = torch::round(l.weight.to(torch::kFloat64) / s_w).clamp(-127, 127);
      const torch::Tensor reference = (q_x * s.input_scale).mm((q_w * s_w).t()) + l.bias.to(torch::kFloat64);
      CHECK((y.reshape({-1, 40}).to(torch::kFloat64) - reference).abs().max().item<double>() <= 1e-4);
      // Both int8 backends return the same int32 sums, hence the same outputs.
      const torch::Tensor y_float = W8A8Linear(l, s, Int8Backend::ExactFloat).forward(x, l);
      CHECK(y_float.equal(y));
      if (int8_gemm_available()) CHECK(W8A8Linear(l, s, Int8Backend::Vnni).forward(x, l).equal(y_float));
    }
  }
}

TEST_CASE("int8 GEMM: exact int32 sums at the int8 extremes and ragged shapes", "[quant]") {
  if (!int8_gemm_available()) {
    WARN("this CPU has no AVX-512 VNNI; the int8 kernel is not tested here");
    return;
  }
  torch::manual_seed(21);
  for (auto [n, in, out] : {std::tuple<int64_t, int64_t, int64_t>{1, 64, 4}, {7, 100, 9}, {70, 1500, 13}, {5, 3, 1}}) {
    INFO(n << " x " << in << " -> " << out);
    torch::Tensor q_x = torch::randint(-127, 128, {n, in}, torch::kLong);
    torch::Tensor q_w = torch::randint(-127, 128, {out, in}, torch::kLong);
    q_x.index_put_({0}, 127);   // the largest sums, both signs
    q_w.index_put_({0}, -127);
    const torch::Tensor expected = q_x.mm(q_w.t());  // int64 [n, out]
    const torch::Tensor got = int8_gemm(q_x.to(torch::kFloat32), pack_int8_weight(q_w.to(torch::kFloat32)));
    REQUIRE(got.sizes() == expected.sizes());
    CHECK(got.scalar_type() == torch::kInt32);
    CHECK(got.to(torch::kLong).equal(expected));
  }
}

TEST_CASE("W8A8 linear: shadow outliers recover a huge outlier channel", "[quant]") {
  torch::NoGradGuard no_grad;
  const int64_t in = 64, out = 32;
  const LinearWeights l = random_linear(in, out, 11);
  torch::manual_seed(12);
  const torch::Tensor calib = torch::randn({64, in});  // calibration inputs without outliers
  const double clip = calib.abs().max().item<double>();
  torch::Tensor x = torch::randn({16, in}).clamp(-clip, clip);
  x.select(1, 5).mul_(0).add_(300.0);  // channel 5 carries an outlier in every token
  const torch::Tensor exact = l.float_product(x);
  const double outlier = 300.0;

  const W8A8LinearScales clipped = scales_for(l, clip, outlier, false);
  const W8A8LinearScales shadowed = scales_for(l, clip, outlier, true);
  // Plain W8A8 calibrated with the outlier seen: absmax scale, nothing clipped, coarse steps.
  const W8A8LinearScales absmax = scales_for(l, outlier, outlier, false);
  const double err_clipped = (W8A8Linear(l, clipped).forward(x, l) - exact).abs().max().item<double>();
  const double err_shadow = (W8A8Linear(l, shadowed).forward(x, l) - exact).abs().max().item<double>();
  const double err_absmax = (W8A8Linear(l, absmax).forward(x, l) - exact).abs().max().item<double>();
  INFO("clipped " << err_clipped << ", absmax " << err_absmax << ", shadow " << err_shadow);
  CHECK(err_shadow * 50 < err_clipped);
  CHECK(err_shadow * 3 < err_absmax);
  // With the outlier computed in float, the error is what the in-range part's scales allow.
  const torch::Tensor in_range = x.clamp(-clip, clip);
  CHECK(((W8A8Linear(l, shadowed).forward(x, l) - exact).abs() <= error_bound(in_range, l, shadowed) * 1.0001 + 1e-4)
            .all()
            .item<bool>());
}

TEST_CASE("W8A8: shadow execution is kept on the top fraction of layers by max|x| / scale", "[quant]") {
  std::vector<W8A8LinearScales> linears(20);
  const std::vector<double> ratio = {1.0, 9.0, 2.0, 30.0, 1.5, 1.0, 12.0, 3.0, 1.0, 1.0,
                                     4.0, 1.0, 25.0, 1.0, 1.0, 5.0, 1.0, 1.0, 1.0, 1.0};
  for (size_t i = 0; i < linears.size(); ++i) {
    linears[i].name = "l" + std::to_string(i);
    linears[i].input_scale = 0.01 * static_cast<double>(i + 1);
    linears[i].input_absmax = 127.0 * linears[i].input_scale * ratio[i];  // importance = 127 · ratio
  }
  auto marked = [&] {
    std::vector<size_t> out;
    for (size_t i = 0; i < linears.size(); ++i)
      if (linears[i].shadow) out.push_back(i);
    return out;
  };
  select_shadow_layers(linears, 0.15);  // ceil(0.15 · 20) = 3: ratios 30, 25, 12
  CHECK(marked() == std::vector<size_t>{3, 6, 12});
  select_shadow_layers(linears, 0.3);  // 6: and 9, 5, 4
  CHECK(marked() == std::vector<size_t>{1, 3, 6, 10, 12, 15});
  select_shadow_layers(linears, 0.0);
  CHECK(marked().empty());
  select_shadow_layers(linears, 1.0);  // every layer with anything beyond its clip (ratio > 1)
  CHECK(marked() == std::vector<size_t>{1, 2, 3, 4, 6, 7, 10, 12, 15});
  CHECK_THROWS_AS(select_shadow_layers(linears, 1.5), Error);
}

TEST_CASE("W8A8: calibration observes every linear and quantized logits stay close", "[quant]") {
  auto model = tiny_llama();
  const auto samples = random_samples(4, 12, 64, 3);
  const std::vector<int64_t> probe = {1, 5, 9, 33, 2, 17, 40, 8};
  const torch::Tensor reference = logits_of(*model, probe);
  const auto stats = calibrate_linear_inputs(*model, samples, {99.0});
  const auto linears = model->linear_modules();
  REQUIRE(stats.size() == linears.size());
  for (size_t i = 0; i < stats.size(); ++i) {
    CHECK(stats[i].name == linears[i].first);
    CHECK(stats[i].clip > 0.0);
    CHECK(stats[i].absmax >= stats[i].clip);
    CHECK(stats[i].elements == 4 * 12 * (linears[i].second->weight.size(1)));
    CHECK(linears[i].second->kernel == nullptr);  // observers are gone again
  }
  CHECK(logits_of(*model, probe).equal(reference));

  W8A8Options options;
  options.shadow_fraction = 0.25;
  options.clip_percentile = 95.0;  // 12 tokens: p99.9 would be each sample's max, nothing to shadow
  CHECK(plan_w8a8(*model, calibrate_linear_inputs(*model, samples, {95.0}), options).shadow_modules().size() ==
        4);  // ceil(0.25 · 14)
  // Every clipped value shadowed: what is left is int8 rounding (this random model clips 5% of
  // its activations at p95, too many to drop).
  options.shadow_fraction = 1.0;
  const W8A8Plan plan = quantize_w8a8(*model, samples, options);
  CHECK(plan.shadow_modules().size() == 14);
  for (const auto& [name, linear] : model->linear_modules()) CHECK(linear->kernel != nullptr);
  const torch::Tensor quantized = logits_of(*model, probe);
  const double diff = (quantized - reference).abs().max().item<double>();
  CHECK(diff > 0.0);
  CHECK(diff < 0.1 * reference.abs().max().item<double>());
  remove_linear_kernels(*model);
  for (const auto& [name, linear] : model->linear_modules()) CHECK(linear->kernel == nullptr);
}

TEST_CASE("llmedit quantize: the saved folder reloads W8A8 with the in-memory logits", "[quant]") {
  TempDir dir("quant-roundtrip");
  const std::string out = dir.path + "/w8a8";
  const auto r = run_cli("quantize --model " + shell_quote(kWorldModel) + " --calib " + shell_quote(kCorpus) +
                         " --out " + shell_quote(out) + " --calib-samples 4 --shadow-fraction 0.2 --threads 1");
  INFO(r.error);
  REQUIRE(r.exit_code == 0);
  CHECK(std::filesystem::is_regular_file(out + "/" + kW8A8ScalesFile));
  CHECK(std::filesystem::is_regular_file(out + "/tokenizer.model"));
  const nlohmann::json config = nlohmann::json::parse(read_text_file(out + "/config.json"));
  REQUIRE(config.contains("quantization_config"));
  CHECK(config["quantization_config"]["quant_method"] == kW8A8QuantMethod);
  CHECK(config["quantization_config"]["shadow_modules"].size() == 6);  // ceil(0.2 · 28)
  CHECK(config["quantization_config"]["calibration"]["samples"] == 4);

  // The same quantization in memory.
  auto memory = load_causal_lm(kWorldModel);
  const auto tokenizer = load_tokenizer(kWorldModel);
  CalibrationSampleOptions sample_options;
  sample_options.samples = 4;
  sample_options.max_tokens = 256;
  W8A8Options options;
  options.shadow_fraction = 0.2;
  const W8A8Plan plan = quantize_w8a8(*memory, calibration_samples(kCorpus, *tokenizer, sample_options), options);
  CHECK(plan.shadow_modules() == config["quantization_config"]["shadow_modules"].get<std::vector<std::string>>());

  auto loaded = load_causal_lm(out);
  for (const auto& [name, linear] : loaded->linear_modules()) CHECK(linear->kernel != nullptr);
  const std::vector<int64_t> ids = tokenizer->encode("Beven Yarerstrom works as a", true);
  const torch::Tensor expected = logits_of(*memory, ids);
  CHECK((logits_of(*loaded, ids) - expected).abs().max().item<double>() <= 1e-6);
  auto float_model = load_causal_lm(kWorldModel);
  CHECK((logits_of(*float_model, ids) - expected).abs().max().item<double>() > 1e-4);  // W8A8 did change it

  // Loaded in bfloat16 the int8 grid survives: close to the float32 W8A8 logits.
  LoadOptions bf16;
  bf16.dtype = torch::kBFloat16;
  auto loaded_bf16 = load_causal_lm(out, bf16);
  CHECK((logits_of(*loaded_bf16, ids).to(torch::kFloat32) - expected).abs().max().item<double>() < 0.5);

  // The CLI runs the folder as it is.
  const auto g = run_cli("generate --model " + shell_quote(out) + " --prompt 'Beven Yarerstrom works as a' --max-new-tokens 3");
  CHECK(g.exit_code == 0);
}

TEST_CASE("llmedit quantize: bad calibration files and options exit 2 naming them", "[quant]") {
  TempDir dir("quant-errors");
  const std::string base = "quantize --model " + shell_quote(kWorldModel) + " --out " + shell_quote(dir.path + "/o");
  auto expect_error = [](const llmedit::test::CommandResult& r, const std::string& needle) {
    INFO(r.error);
    CHECK(r.exit_code == 2);
    CHECK(r.error.find(needle) != std::string::npos);
    CHECK(std::count(r.error.begin(), r.error.end(), '\n') == 1);  // one line
  };
  const std::string missing = dir.path + "/nope.txt";
  expect_error(run_cli(base + " --calib " + shell_quote(missing)), missing);
  const std::string blank = dir.path + "/blank.txt";
  write_text_atomic(blank, "\n   \n\n");
  expect_error(run_cli(base + " --calib " + shell_quote(blank)), "holds no text");
  const std::string jsonl = dir.path + "/calib.jsonl";
  write_text_atomic(jsonl, "{\"text\": \"Beven works.\"}\n{\"txt\": \"x\"}\n");
  expect_error(run_cli(base + " --calib " + shell_quote(jsonl)), jsonl + ":2: field 'text'");
  expect_error(run_cli(base + " --calib " + shell_quote(kCorpus) + " --shadow-fraction 1.5"), "--shadow-fraction");
  expect_error(run_cli(base + " --calib " + shell_quote(kCorpus) + " --calib-samples 0"), "--calib-samples");
  expect_error(run_cli(base + " --calib " + shell_quote(kCorpus) + " --weight-scale row"), "--weight-scale");
  CHECK_FALSE(std::filesystem::exists(dir.path + "/o/config.json"));

  // A quantized folder with a wrong quant_method or without its scales does not load.
  const std::string out = dir.path + "/q";
  REQUIRE(run_cli("quantize --model " + shell_quote(kWorldModel) + " --calib " + shell_quote(kCorpus) + " --out " +
                  shell_quote(out) + " --calib-samples 2 --threads 1")
              .exit_code == 0);
  nlohmann::json config = nlohmann::json::parse(read_text_file(out + "/config.json"));
  config["quantization_config"]["quant_method"] = "gptq";
  write_text_atomic(out + "/config.json", config.dump());
  expect_error(run_cli("info " + shell_quote(out)), "quantization_config.quant_method is \"gptq\"");
  config["quantization_config"]["quant_method"] = kW8A8QuantMethod;
  write_text_atomic(out + "/config.json", config.dump());
  std::filesystem::remove(out + "/" + kW8A8ScalesFile);
  expect_error(run_cli("info " + shell_quote(out)), kW8A8ScalesFile);
}

TEST_CASE("device auto: CUDA when this LibTorch sees a GPU, else the CPU, a W8A8 folder runs there", "[quant]") {
  const torch::Device expected = torch::cuda::is_available() ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
  CHECK(resolve_device("auto") == expected);
  CHECK(resolve_device("cpu") == torch::Device(torch::kCPU));
  CHECK_THROWS_WITH(resolve_device("gpu"), Catch::Contains("\"gpu\""));

  TempDir dir("quant-device");
  auto model = load_causal_lm(kWorldModel);
  const auto tokenizer = load_tokenizer(kWorldModel);
  CalibrationSampleOptions sample_options;
  sample_options.samples = 2;
  const W8A8Plan plan = quantize_w8a8(*model, calibration_samples(kCorpus, *tokenizer, sample_options), {});
  save_w8a8_folder(*model, plan, dir.path, {{"file", "corpus.txt"}});
  const nlohmann::json config = {{"model", {{"path", dir.path}, {"dtype", "float32"}}}, {"device", "auto"}};
  auto loaded = load_model_from_config(config, "test config");
  CHECK(loaded->device() == expected);
  for (const auto& [name, linear] : loaded->linear_modules()) {
    REQUIRE(linear->kernel != nullptr);
    CHECK(linear->weight.device() == expected);
  }
  const std::vector<int64_t> ids = tokenizer->encode("Beven Yarerstrom was born in", true);
  torch::NoGradGuard no_grad;
  const torch::Tensor on_device =
      loaded->forward(torch::tensor(ids, torch::kLong).unsqueeze(0).to(expected)).logits.squeeze(0).cpu();
  // The exact float path on a GPU and the VNNI kernel here sum the same integers.
  CHECK((on_device - logits_of(*model, ids)).abs().max().item<double>() <= 1e-3);
}
