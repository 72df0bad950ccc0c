// LoRA adapters on the tiny Hugging Face fixtures: the forward with and without the adapter,
// merging into Linear [out, in] and GPT-2 Conv1D [in, out] weights, PEFT's file format, gradients.
#include <catch2/catch.hpp>

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include "libllmedit/core/atomic_file.h"
#include "libllmedit/core/error.h"
#include "libllmedit/model/loader.h"
#include "libllmedit/model/lora.h"
#include "tests/fixtures.h"

using namespace llmedit;

namespace {

std::shared_ptr<CausalLM> load_fixture(const std::string& arch) {
  const std::string relative = "fixtures/hf-tiny/" + arch;
  test::require_shared_or_skip(relative);
  return load_causal_lm(test::shared_path(relative));
}

torch::Tensor sample_ids() {
  return torch::tensor({5, 17, 3, 42, 7, 99, 250, 8}, torch::kLong).unsqueeze(0);  // [1, T]
}

torch::Tensor logits_of(CausalLM& model) {
  torch::NoGradGuard no_grad;
  return model.forward(sample_ids()).logits;  // [1, T, V]
}

double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

// A fresh adapter's B is zero, so it changes nothing; random B makes it visible.
void randomize_b(const LoraAdapter& adapter, uint64_t seed) {
  torch::manual_seed(seed);
  torch::NoGradGuard no_grad;
  const auto params = adapter.parameters();
  for (size_t i = 1; i < params.size(); i += 2) params[i].normal_(0.0, 0.05);  // A, B, A, B, ...
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  FAIL("expected an llmedit::Error");
  return "";
}

LoraOptions all_linears(uint64_t seed = 1) {
  LoraOptions options;
  options.r = 4;
  options.alpha = 8;
  options.seed = seed;
  return options;
}

}  // namespace

TEST_CASE("a fresh LoRA adapter (B = 0) leaves the logits unchanged", "[lora]") {
  for (const char* arch : {"llama", "gpt2"}) {
    INFO(arch);
    auto model = load_fixture(arch);
    const torch::Tensor base = logits_of(*model);
    LoraAdapter adapter = LoraAdapter::attach(*model, all_linears());
    const size_t per_layer = std::string(arch) == "llama" ? 7 : 4;  // q k v o gate up down | c_attn c_proj c_fc c_proj
    CHECK(adapter.module_names().size() == per_layer * static_cast<size_t>(model->spec().num_layers));
    CHECK(adapter.parameters().size() == 2 * adapter.module_names().size());
    CHECK(torch::equal(logits_of(*model), base));
  }
}

TEST_CASE("LoRA A is seeded kaiming-uniform, B is zero, shapes follow the layout", "[lora]") {
  auto model = load_fixture("gpt2");
  LoraAdapter first = LoraAdapter::attach(*model, all_linears(7));
  const auto params = first.parameters();
  // transformer.h.0.attn.c_attn is Conv1D [64, 192]: in = 64, out = 192 (fused q, k, v).
  REQUIRE(first.module_names().front() == "transformer.h.0.attn.c_attn");
  CHECK(params[0].sizes() == c10::IntArrayRef({4, 64}));
  CHECK(params[1].sizes() == c10::IntArrayRef({192, 4}));
  CHECK(params[0].abs().max().item<double>() <= 1.0 / 8.0);  // 1 / sqrt(in)
  CHECK(params[0].abs().max().item<double>() > 0.05);
  CHECK(params[1].abs().max().item<double>() == 0.0);
  const torch::Tensor a7 = params[0].detach().clone();
  first.detach();

  CHECK(torch::equal(LoraAdapter::attach(*model, all_linears(7)).parameters()[0], a7));
  model = load_fixture("gpt2");
  CHECK_FALSE(torch::equal(LoraAdapter::attach(*model, all_linears(8)).parameters()[0], a7));
}

TEST_CASE("LoRA output is base + (alpha / r) * B A x for Linear and Conv1D layouts", "[lora]") {
  for (const char* arch : {"llama", "gpt2"}) {
    INFO(arch);
    auto model = load_fixture(arch);
    LoraAdapter adapter = LoraAdapter::attach(*model, all_linears());
    randomize_b(adapter, 3);
    const LinearWeights& linear = *model->linear_modules().front().second;
    const torch::Tensor a = adapter.parameters()[0], b = adapter.parameters()[1];
    torch::NoGradGuard no_grad;
    const torch::Tensor x = torch::randn({2, 5, model->spec().hidden_size});               // [B, T, in]
    const torch::Tensor w = linear.in_out_layout ? linear.weight : linear.weight.t();      // [in, out]
    torch::Tensor expected = torch::matmul(x, w) + (8.0 / 4.0) * torch::matmul(torch::matmul(x, a.t()), b.t());
    if (linear.bias.defined()) expected = expected + linear.bias;
    CHECK(max_abs_diff(linear(x), expected) <= 1e-5);
  }
}

TEST_CASE("LoRA with random B changes the logits, disabled it gives the base logits exactly", "[lora]") {
  for (const char* arch : {"llama", "gpt2"}) {
    INFO(arch);
    auto model = load_fixture(arch);
    const torch::Tensor base = logits_of(*model);
    LoraAdapter adapter = LoraAdapter::attach(*model, all_linears());
    randomize_b(adapter, 11);
    const torch::Tensor adapted = logits_of(*model);
    CHECK(max_abs_diff(adapted, base) > 1e-3);
    adapter.set_enabled(false);
    CHECK_FALSE(adapter.enabled());
    CHECK(torch::equal(logits_of(*model), base));
    adapter.set_enabled(true);
    CHECK(torch::equal(logits_of(*model), adapted));
  }
}

TEST_CASE("merging LoRA gives the unmerged forward and removes the adapter", "[lora]") {
  for (const char* arch : {"llama", "gpt2"}) {
    INFO(arch);
    auto model = load_fixture(arch);
    const torch::Tensor base = logits_of(*model);
    const size_t base_params = model->parameters().size();
    LoraAdapter adapter = LoraAdapter::attach(*model, all_linears());
    randomize_b(adapter, 5);
    CHECK(model->parameters().size() == base_params + adapter.parameters().size());
    const torch::Tensor adapted = logits_of(*model);
    adapter.merge();
    CHECK_FALSE(adapter.attached());
    CHECK(model->parameters().size() == base_params);
    for (const auto& [name, linear] : model->linear_modules()) CHECK_FALSE(linear->lora);
    CHECK(max_abs_diff(logits_of(*model), adapted) <= 1e-5);
    CHECK(max_abs_diff(logits_of(*model), base) > 1e-3);
  }
}

TEST_CASE("detaching LoRA restores the base model", "[lora]") {
  auto model = load_fixture("llama");
  const torch::Tensor base = logits_of(*model);
  LoraAdapter adapter = LoraAdapter::attach(*model, all_linears());
  randomize_b(adapter, 2);
  adapter.detach();
  CHECK(torch::equal(logits_of(*model), base));
  test::TempDir dir("lora-detached");
  CHECK_THAT(error_of([&] { adapter.save_peft(dir.path, "x"); }),
             Catch::Contains("merged or detached"));
}

TEST_CASE("target_modules chooses linears by PEFT's suffix rule", "[lora]") {
  SECTION("llama q_proj and v_proj") {
    auto model = load_fixture("llama");
    LoraOptions options = all_linears();
    options.target_modules = {"q_proj", "v_proj"};
    LoraAdapter adapter = LoraAdapter::attach(*model, options);
    const auto names = adapter.module_names();
    REQUIRE(names.size() == 6);
    CHECK(names[0] == "model.layers.0.self_attn.q_proj");
    CHECK(names[1] == "model.layers.0.self_attn.v_proj");
    CHECK(adapter.options().target_modules == std::vector<std::string>{"q_proj", "v_proj"});
  }
  SECTION("gpt2 c_proj is both the attention and the MLP output") {
    auto model = load_fixture("gpt2");
    LoraOptions options = all_linears();
    options.target_modules = {"c_proj"};
    const auto names = LoraAdapter::attach(*model, options).module_names();
    REQUIRE(names.size() == 6);
    CHECK(names[0] == "transformer.h.0.attn.c_proj");
    CHECK(names[1] == "transformer.h.0.mlp.c_proj");
  }
  SECTION("empty targets resolve to every linear's short name") {
    auto model = load_fixture("gpt2");
    CHECK(LoraAdapter::attach(*model, all_linears()).options().target_modules ==
          std::vector<std::string>{"c_attn", "c_proj", "c_fc"});
  }
}

TEST_CASE("LoRA rejects unknown targets, bad options and a second adapter on one linear", "[lora]") {
  auto model = load_fixture("llama");
  LoraOptions options = all_linears();
  options.target_modules = {"q_proj", "query_proj"};
  try {
    LoraAdapter::attach(*model, options);
    FAIL("no error for an unknown target");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::Config);
    const std::string message = e.what();
    CHECK_THAT(message, Catch::Contains("'query_proj'"));
    CHECK_THAT(message, Catch::Contains("valid names: q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj"));
  }
  options.target_modules = {"lm_head"};
  CHECK_THAT(error_of([&] { LoraAdapter::attach(*model, options); }), Catch::Contains("'lm_head'"));
  CHECK(model->parameters().size() == model->named_weights().size());  // nothing attached by the failures

  options = all_linears();
  options.r = 0;
  CHECK_THAT(error_of([&] { LoraAdapter::attach(*model, options); }), Catch::Contains("r must be positive"));
  options = all_linears();
  options.dropout = 1.0;
  CHECK_THAT(error_of([&] { LoraAdapter::attach(*model, options); }), Catch::Contains("dropout"));

  LoraAdapter adapter = LoraAdapter::attach(*model, all_linears());
  CHECK_THAT(error_of([&] { LoraAdapter::attach(*model, all_linears()); }), Catch::Contains("already carries"));
}

TEST_CASE("LoRA saves PEFT's file names, keys and config and loads them back", "[lora]") {
  for (const char* arch : {"llama", "gpt2"}) {
    INFO(arch);
    const bool gpt2 = std::string(arch) == "gpt2";
    test::TempDir dir(std::string("lora-save-") + arch);
    auto model = load_fixture(arch);
    LoraOptions options = all_linears();
    options.dropout = 0.05;
    LoraAdapter adapter = LoraAdapter::attach(*model, options);
    randomize_b(adapter, 9);
    const torch::Tensor adapted = logits_of(*model);
    adapter.save_peft(dir.path, "hf-tiny/" + std::string(arch));

    SafetensorsReader reader(dir.path + "/adapter_model.safetensors");
    CHECK(reader.entries().size() == adapter.parameters().size());
    const std::string first = gpt2 ? "base_model.model.transformer.h.0.attn.c_attn"
                                   : "base_model.model.model.layers.0.self_attn.q_proj";
    REQUIRE(reader.contains(first + ".lora_A.weight"));
    REQUIRE(reader.contains(first + ".lora_B.weight"));
    CHECK(reader.entry(first + ".lora_A.weight").shape == std::vector<int64_t>{4, 64});
    CHECK(reader.entry(first + ".lora_B.weight").shape == std::vector<int64_t>{gpt2 ? 192 : 64, 4});
    CHECK(reader.metadata().at("format") == "pt");

    const auto config = nlohmann::json::parse(read_text_file(dir.path + "/adapter_config.json"));
    CHECK(config["peft_type"] == "LORA");
    CHECK(config["task_type"] == "CAUSAL_LM");
    CHECK(config["r"] == 4);
    CHECK(config["lora_alpha"] == 8);
    CHECK(config["lora_dropout"] == 0.05);
    CHECK(config["fan_in_fan_out"] == gpt2);
    CHECK(config["bias"] == "none");
    CHECK(config["inference_mode"] == true);
    CHECK(config["base_model_name_or_path"].get<std::string>() == "hf-tiny/" + std::string(arch));
    CHECK(config["target_modules"].get<std::vector<std::string>>() == adapter.options().target_modules);

    auto fresh = load_fixture(arch);
    LoraAdapter loaded = LoraAdapter::load_peft(dir.path, *fresh);
    CHECK(loaded.module_names() == adapter.module_names());
    CHECK(loaded.options().dropout == 0.05);
    CHECK(torch::equal(logits_of(*fresh), adapted));
  }
}

TEST_CASE("loading a PEFT adapter names the file and key on errors and leaves the model clean", "[lora]") {
  test::TempDir dir("lora-load-errors");
  auto model = load_fixture("llama");
  LoraOptions options = all_linears();
  options.target_modules = {"q_proj"};
  LoraAdapter::attach(*model, options).save_peft(dir.path, "hf-tiny/llama");
  const std::string config_path = dir.path + "/adapter_config.json";
  const auto config = nlohmann::json::parse(read_text_file(config_path));
  auto fresh = load_fixture("llama");
  auto rewrite = [&](const std::string& key, const nlohmann::json& value) {
    auto changed = config;
    changed[key] = value;
    write_text_atomic(config_path, changed.dump());
  };
  auto load_error = [&] { return error_of([&] { LoraAdapter::load_peft(dir.path, *fresh); }); };

  rewrite("r", 8);
  CHECK_THAT(load_error(), Catch::Contains("adapter_model.safetensors") &&
                               Catch::Contains("'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight'"));
  rewrite("target_modules", nlohmann::json::array({"q_proj", "k_proj"}));
  CHECK_THAT(load_error(),
             Catch::Contains("missing tensor 'base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight'"));
  rewrite("target_modules", nlohmann::json::array({"o_proj"}));
  CHECK_THAT(load_error(), Catch::Contains("missing tensor"));
  rewrite("target_modules", nlohmann::json::array({"nope"}));
  CHECK_THAT(load_error(), Catch::Contains("adapter_config.json") && Catch::Contains("'nope'"));
  rewrite("peft_type", "IA3");
  CHECK_THAT(load_error(), Catch::Contains("adapter_config.json") && Catch::Contains("peft_type"));
  rewrite("use_dora", true);
  CHECK_THAT(load_error(), Catch::Contains("use_dora"));
  rewrite("r", "four");
  CHECK_THAT(load_error(), Catch::Contains("field 'r'"));
  CHECK(fresh->parameters().size() == fresh->named_weights().size());  // every failed load detached itself

  options.target_modules = {"q_proj", "v_proj"};
  auto other = load_fixture("llama");
  LoraAdapter::attach(*other, options).save_peft(dir.path, "hf-tiny/llama");       // tensors for q and v ...
  rewrite("target_modules", nlohmann::json::array({"q_proj"}));                   // ... config for q alone
  CHECK_THAT(load_error(), Catch::Contains("unexpected tensor 'base_model.model.model.layers.0.self_attn.v_proj"));
}

TEST_CASE("with frozen base weights gradients reach only LoRA's A and B", "[lora]") {
  auto model = load_fixture("llama");
  for (const auto& [name, weight] : model->named_weights()) weight.requires_grad_(false);
  LoraAdapter adapter = LoraAdapter::attach(*model, all_linears());
  randomize_b(adapter, 4);  // with B = 0 the gradient of A would be zero
  const torch::Tensor ids = sample_ids();
  torch::Tensor logits = model->forward(ids).logits;  // [1, T, V]
  torch::Tensor loss = torch::nn::functional::cross_entropy(logits[0].narrow(0, 0, 7), ids[0].narrow(0, 1, 7));
  loss.backward();
  for (const auto& [name, weight] : model->named_weights()) {
    INFO(name);
    CHECK_FALSE(weight.grad().defined());
  }
  for (const torch::Tensor& p : adapter.parameters()) {
    REQUIRE(p.grad().defined());
    CHECK(p.grad().abs().max().item<double>() > 0.0);
  }
}

TEST_CASE("LoRA dropout acts only in training mode", "[lora]") {
  auto model = load_fixture("llama");
  LoraOptions options = all_linears();
  options.dropout = 0.5;
  LoraAdapter adapter = LoraAdapter::attach(*model, options);
  randomize_b(adapter, 6);
  const torch::Tensor eval_logits = logits_of(*model);
  CHECK(torch::equal(logits_of(*model), eval_logits));
  model->train();
  CHECK(max_abs_diff(logits_of(*model), eval_logits) > 1e-4);
  model->eval();
  CHECK(torch::equal(logits_of(*model), eval_logits));
}
