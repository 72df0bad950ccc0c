// The runtime beyond the transformers fixtures: llama2.c import, hooks, KV-cache consistency for
// every family (Mistral and GPT-J included), sliding windows, rotary layouts, save and reload.
#include <torch/torch.h>

#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <set>

#include "libllmedit/generate/generator.h"
#include "libllmedit/io/llama2c.h"
#include "libllmedit/model/init_weights.h"
#include "libllmedit/model/loader.h"
#include "libllmedit/model/rope.h"
#include "tests/fixtures.h"

using namespace llmedit;

namespace {

double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  REQUIRE(a.sizes() == b.sizes());
  return (a - b).abs().max().item<double>();
}

nlohmann::json tiny_config(const std::string& family) {
  if (family == "gpt2")
    return {{"architectures", {"GPT2LMHeadModel"}}, {"model_type", "gpt2"}, {"vocab_size", 50}, {"n_embd", 32},
            {"n_layer", 2}, {"n_head", 4}, {"n_positions", 64}};
  if (family == "gptj")
    return {{"architectures", {"GPTJForCausalLM"}}, {"model_type", "gptj"}, {"vocab_size", 50}, {"n_embd", 32},
            {"n_layer", 2}, {"n_head", 4}, {"n_positions", 64}, {"rotary_dim", 4}};
  nlohmann::json c = {{"model_type", family}, {"vocab_size", 50}, {"hidden_size", 32}, {"intermediate_size", 48},
                      {"num_hidden_layers", 2}, {"num_attention_heads", 4}, {"num_key_value_heads", 2},
                      {"max_position_embeddings", 64}, {"eos_token_id", 2}};
  c["architectures"] = {family == "mistral" ? "MistralForCausalLM" : family == "qwen2" ? "Qwen2ForCausalLM" : "LlamaForCausalLM"};
  return c;
}

std::shared_ptr<CausalLM> tiny_model(const nlohmann::json& config, uint64_t seed = 1) {
  ArchSpec spec = ArchSpec::from_config(config, "test config");
  // A larger spread than training init, so that attention patterns are far from uniform.
  return std::make_shared<CausalLM>(spec, config, init_weights(spec, 0.2, seed), "test weights");
}

torch::Tensor ids_tensor(const std::vector<int64_t>& ids) { return torch::tensor(ids, torch::kLong).unsqueeze(0); }

}  // namespace

TEST_CASE("prefill + cached decoding gives the logits of a full forward, for every family", "[runtime]") {
  torch::NoGradGuard no_grad;
  for (const char* family : {"llama", "mistral", "qwen2", "gpt2", "gptj"}) {
    INFO(family);
    auto model = tiny_model(tiny_config(family));
    const std::vector<int64_t> ids = {3, 17, 8, 41, 5, 9, 22, 30};
    torch::Tensor full = model->forward(ids_tensor(ids)).logits[0];  // [T, V]
    KVCache cache;
    ForwardOptions options;
    options.cache = &cache;
    model->forward(ids_tensor({ids.begin(), ids.begin() + 5}), options);
    for (size_t t = 5; t < ids.size(); ++t) {
      torch::Tensor step = model->forward(ids_tensor({ids[t]}), options).logits[0][0];
      CHECK(max_abs_diff(step, full[static_cast<int64_t>(t)]) <= 1e-5);
    }
    CHECK(cache.length() == static_cast<int64_t>(ids.size()));
  }
}

TEST_CASE("a left-padded row generates what it generates alone", "[runtime]") {
  auto model = tiny_model(tiny_config("llama"));
  GenerationOptions options;
  options.max_new_tokens = 6;
  options.use_model_eos = false;
  const std::vector<int64_t> short_prompt = {7, 8}, long_prompt = {1, 2, 3, 4, 5, 6};
  auto batched = generate(*model, {long_prompt, short_prompt}, options);
  CHECK(batched[0] == generate(*model, {long_prompt}, options)[0]);
  CHECK(batched[1] == generate(*model, {short_prompt}, options)[0]);
}

TEST_CASE("seeded sampling repeats and respects top-k", "[runtime]") {
  auto model = tiny_model(tiny_config("llama"));
  GenerationOptions options;
  options.max_new_tokens = 12;
  options.use_model_eos = false;
  options.sampling.greedy = false;
  options.sampling.temperature = 0.7;
  options.sampling.top_k = 1;  // top-1 sampling is greedy decoding
  options.sampling.seed = 5;
  GenerationOptions greedy = options;
  greedy.sampling.greedy = true;
  CHECK(generate(*model, {{4, 5, 6}}, options) == generate(*model, {{4, 5, 6}}, greedy));
  options.sampling.top_k = 0;
  options.sampling.temperature = 5.0;  // flat enough that different seeds differ
  auto first = generate(*model, {{4, 5, 6}}, options);
  CHECK(first == generate(*model, {{4, 5, 6}}, options));
  options.sampling.seed = 6;
  CHECK(first != generate(*model, {{4, 5, 6}}, options));
}

TEST_CASE("top-p keeps the smallest set of tokens whose mass reaches p", "[runtime]") {
  // probabilities 0.5, 0.3, 0.15, 0.05: top_p 0.7 keeps the first two
  torch::Tensor logits = torch::tensor({0.5, 0.3, 0.15, 0.05}).log().unsqueeze(0);
  SamplingOptions options;
  options.greedy = false;
  options.top_p = 0.7;
  torch::Tensor probs = sampling_log_probs(logits, options).exp()[0];
  CHECK(probs[0].item<double>() == Approx(0.625));
  CHECK(probs[1].item<double>() == Approx(0.375));
  CHECK(probs[2].item<double>() == 0.0);
  CHECK(probs[3].item<double>() == 0.0);
}

TEST_CASE("Mistral's sliding window limits what a position can see", "[runtime]") {
  torch::NoGradGuard no_grad;
  nlohmann::json config = tiny_config("mistral");
  config["num_hidden_layers"] = 1;
  config["sliding_window"] = 4;
  auto model = tiny_model(config);
  std::vector<int64_t> a = {3, 17, 8, 41, 5, 9, 22, 30}, b = a;
  b[0] = 11;
  torch::Tensor la = model->forward(ids_tensor(a)).logits[0], lb = model->forward(ids_tensor(b)).logits[0];
  // One layer, window 4: position t sees tokens t-3..t, so token 0 matters to positions 0..3 only.
  for (int64_t t = 0; t < 8; ++t) {
    INFO("position " << t);
    if (t < 4) CHECK(max_abs_diff(la[t], lb[t]) > 1e-4);
    else CHECK(max_abs_diff(la[t], lb[t]) == 0.0);
  }
  // Without a window, Mistral is Llama with the same weights.
  config.erase("sliding_window");
  nlohmann::json llama_config = config;
  llama_config["architectures"] = {"LlamaForCausalLM"};
  llama_config["model_type"] = "llama";
  CHECK(max_abs_diff(tiny_model(config)->forward(ids_tensor(a)).logits, tiny_model(llama_config)->forward(ids_tensor(a)).logits) == 0.0);
}

TEST_CASE("GPT-J rotary embedding rotates interleaved pairs of the first rotary_dim features", "[runtime]") {
  ArchSpec spec = ArchSpec::from_config(tiny_config("gptj"), "test");  // head_dim 8, rotary_dim 4
  torch::Tensor x = torch::randn({1, 3, 2, 8});                       // [B, T, H, head_dim]
  torch::Tensor positions = torch::arange(3).unsqueeze(0);
  auto [cos, sin] = rope_cos_sin(spec, rope_inverse_frequencies(spec), positions, torch::kFloat);
  torch::Tensor y = apply_rope(spec, x, cos, sin);
  CHECK(max_abs_diff(y.narrow(-1, 4, 4), x.narrow(-1, 4, 4)) == 0.0);
  for (int64_t t = 0; t < 3; ++t)
    for (int64_t pair = 0; pair < 2; ++pair) {
      // (x0 + i x1) * exp(i t theta^(-2 pair / rotary_dim))
      const double angle = t * std::pow(10000.0, -2.0 * pair / 4.0);
      const double x0 = x[0][t][1][2 * pair].item<double>(), x1 = x[0][t][1][2 * pair + 1].item<double>();
      CHECK(y[0][t][1][2 * pair].item<double>() == Approx(x0 * std::cos(angle) - x1 * std::sin(angle)).margin(1e-5));
      CHECK(y[0][t][1][2 * pair + 1].item<double>() == Approx(x0 * std::sin(angle) + x1 * std::cos(angle)).margin(1e-5));
    }
}

TEST_CASE("a delta added at layers.1.mlp.output changes the logits as adding it by hand does", "[runtime][hooks]") {
  torch::NoGradGuard no_grad;
  auto model = tiny_model(tiny_config("llama"));
  torch::Tensor ids = ids_tensor({3, 17, 8, 41, 5});
  torch::Tensor base = model->forward(ids).logits;
  torch::Tensor delta = torch::randn({32});
  const int64_t position = 2;

  torch::Tensor hooked;
  {
    ScopedHook hook(model->hooks(), "layers.1.mlp.output", add_at_positions_hook({position}, delta));
    hooked = model->forward(ids).logits;
  }
  // By hand: the MLP output goes straight into the residual stream, so the block's output moves
  // by exactly the delta at that position.
  torch::Tensor by_hand;
  {
    ScopedHook hook(model->hooks(), "layers.1.output", [&](const torch::Tensor& x) {
      torch::Tensor y = x.clone();
      y[0][position] += delta;
      return y;
    });
    by_hand = model->forward(ids).logits;
  }
  CHECK(max_abs_diff(hooked, by_hand) <= 1e-5);
  CHECK(max_abs_diff(hooked.narrow(1, 0, position), base.narrow(1, 0, position)) == 0.0);  // causal
  CHECK(max_abs_diff(hooked.narrow(1, position, 3), base.narrow(1, position, 3)) > 1e-3);
  CHECK(model->hooks().empty());
  CHECK(max_abs_diff(model->forward(ids).logits, base) == 0.0);  // removed hooks leave no trace
}

TEST_CASE("read hooks see every site with the documented shapes", "[runtime][hooks]") {
  torch::NoGradGuard no_grad;
  auto model = tiny_model(tiny_config("gpt2"));
  std::map<std::string, std::vector<int64_t>> seen;
  std::vector<std::unique_ptr<ScopedHook>> hooks;
  const std::vector<std::string> sites = {"layers.0.input",  "layers.0.attn.output", "layers.0.mlp.input",
                                          "layers.0.mlp.out_proj.input", "layers.0.mlp.output", "layers.1.output",
                                          "final_norm.output", "logits"};
  for (const auto& site : sites)
    hooks.push_back(std::make_unique<ScopedHook>(model->hooks(), site, read_hook([&seen, site](const torch::Tensor& x) {
      seen[site] = x.sizes().vec();
    })));
  model->forward(ids_tensor({1, 2, 3}));
  CHECK(seen["layers.0.input"] == std::vector<int64_t>{1, 3, 32});
  CHECK(seen["layers.0.mlp.out_proj.input"] == std::vector<int64_t>{1, 3, 128});
  CHECK(seen["logits"] == std::vector<int64_t>{1, 3, 50});
  CHECK(seen.size() == sites.size());
}

TEST_CASE("stories260K (llama2.c) loads, generates deterministically and survives a save to HF layout", "[runtime][llama2c]") {
  test::require_shared_or_skip("fixtures/models/stories260K/stories260K.bin");
  const std::string bin = test::shared_path("fixtures/models/stories260K/stories260K.bin");
  auto model = load_causal_lm(bin);
  CHECK(model->spec().hidden_size == 64);
  CHECK(model->spec().num_layers == 5);
  CHECK(model->spec().num_kv_heads == 4);
  CHECK(model->spec().vocab_size == 512);

  GenerationOptions options;
  options.max_new_tokens = 32;
  options.use_model_eos = false;
  const auto tokens = generate(*model, {{1}}, options)[0];
  REQUIRE(tokens.size() == 32);
  CHECK(generate(*model, {{1}}, options)[0] == tokens);
  // A trained model continues a story: not one token repeated.
  CHECK(std::set<int64_t>(tokens.begin(), tokens.end()).size() > 8);

  std::vector<int64_t> sequence = {1};
  sequence.insert(sequence.end(), tokens.begin(), tokens.end());
  torch::NoGradGuard no_grad;
  torch::Tensor logits = model->forward(ids_tensor(sequence)).logits;
  // Greedy decoding with the cache agrees with argmax of one full forward.
  torch::Tensor argmax = logits[0].argmax(-1).narrow(0, 0, 32);
  CHECK(std::vector<int64_t>(argmax.data_ptr<int64_t>(), argmax.data_ptr<int64_t>() + 32) == tokens);

  const std::string dir = test::temp_dir("stories-hf");
  save_hf_checkpoint(*model, dir);
  auto reloaded = load_causal_lm(dir);
  CHECK(torch::equal(reloaded->forward(ids_tensor(sequence)).logits, logits));
}

TEST_CASE("llama2.c import permutes q/k so split-half RoPE equals llama2.c's interleaved RoPE", "[runtime][llama2c]") {
  test::require_shared_or_skip("fixtures/models/stories260K/stories260K.bin");
  const std::string bin = test::shared_path("fixtures/models/stories260K/stories260K.bin");
  CheckpointFiles files = import_llama2c(bin);
  ArchSpec spec = ArchSpec::from_config(files.config, bin);
  CausalLM imported(spec, files.config, files.weights, bin);
  // Undo the permutation and rotate interleaved pairs instead, as llama2.c's run.c does.
  NamedTensors raw;
  for (auto [name, w] : files.weights) {
    const bool q = name.find("q_proj") != std::string::npos, k = name.find("k_proj") != std::string::npos;
    if (q || k) {
      const int64_t heads = q ? spec.num_heads : spec.num_kv_heads;
      w = w.view({heads, 2, spec.head_dim / 2, w.size(1)}).transpose(1, 2).reshape({w.size(0), w.size(1)});
    }
    raw.emplace_back(name, w);
  }
  ArchSpec interleaved = spec;
  interleaved.positions = PositionKind::RopeInterleaved;
  CausalLM reference(interleaved, files.config, raw, bin);
  torch::NoGradGuard no_grad;
  torch::Tensor ids = ids_tensor({1, 403, 89, 12, 300, 7, 45});
  CHECK(max_abs_diff(imported.forward(ids).logits, reference.forward(ids).logits) <= 1e-5);
}

TEST_CASE("a truncated llama2.c file is rejected with its size", "[runtime][llama2c]") {
  test::require_shared_or_skip("fixtures/models/stories260K/stories260K.bin");
  const std::string dir = test::temp_dir("llama2c-truncated");
  const std::string path = dir + "/cut.bin";
  {
    std::ifstream in(test::shared_path("fixtures/models/stories260K/stories260K.bin"), std::ios::binary);
    std::vector<char> bytes(1000);
    in.read(bytes.data(), 1000);
    std::ofstream(path, std::ios::binary).write(bytes.data(), 1000);
  }
  REQUIRE_THROWS_WITH(load_causal_lm(path), Catch::Contains(path) && Catch::Contains("1000 bytes"));
}

TEST_CASE("config.json problems are data errors naming the file and field", "[runtime]") {
  nlohmann::json c = tiny_config("llama");
  c["num_attention_heads"] = 5;
  REQUIRE_THROWS_WITH(ArchSpec::from_config(c, "cfg.json"), Catch::Contains("cfg.json") && Catch::Contains("not divisible"));
  c = tiny_config("llama");
  c["rope_scaling"] = {{"rope_type", "yarn"}, {"factor", 2.0}};
  REQUIRE_THROWS_WITH(ArchSpec::from_config(c, "cfg.json"), Catch::Contains("rope_scaling.rope_type") && Catch::Contains("yarn"));
  c = tiny_config("llama");
  c.erase("hidden_size");
  REQUIRE_THROWS_WITH(ArchSpec::from_config(c, "cfg.json"), Catch::Contains("'hidden_size'"));
  c = {{"model_type", "bert"}, {"architectures", {"BertModel"}}};
  REQUIRE_THROWS_WITH(ArchSpec::from_config(c, "cfg.json"), Catch::Contains("BertModel"));
}
