// The runtime against Hugging Face transformers: logits, hidden states, the MLP key, greedy
// tokens, losses and a gradient from ../shared/fixtures/hf-tiny/<arch>/reference.*.
#include <catch2/catch.hpp>

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include "libllmedit/core/atomic_file.h"
#include "libllmedit/generate/generator.h"
#include "libllmedit/model/loader.h"
#include "libllmedit/train/losses.h"
#include "tests/fixtures.h"

using namespace llmedit;

namespace {

struct Reference {
  nlohmann::json json;
  SafetensorsReader tensors;
  explicit Reference(const std::string& dir)
      : json(nlohmann::json::parse(read_text_file(dir + "/reference.json"))), tensors(dir + "/reference.safetensors") {}
  torch::Tensor tensor(const std::string& name) const { return tensors.load(name).to(torch::kFloat); }
  std::vector<int64_t> sequence(size_t i) const { return json["sequences"][i].get<std::vector<int64_t>>(); }
};

double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  REQUIRE(a.sizes() == b.sizes());
  return (a.to(torch::kFloat) - b.to(torch::kFloat)).abs().max().item<double>();
}

torch::Tensor as_batch(const std::vector<int64_t>& ids) { return torch::tensor(ids, torch::kLong).unsqueeze(0); }

void check_against_transformers(const std::string& arch) {
  const std::string relative = "fixtures/hf-tiny/" + arch;
  test::require_shared_or_skip(relative);
  const std::string dir = test::shared_path(relative);
  Reference ref(dir);
  auto model = load_causal_lm(dir);
  const int64_t layers = model->spec().num_layers;

  SECTION("logits of each sequence") {
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < 3; ++i) {
      torch::Tensor logits = model->forward(as_batch(ref.sequence(i))).logits[0];
      INFO("sequence " << i);
      CHECK(max_abs_diff(logits, ref.tensor("logits." + std::to_string(i))) <= 1e-4);
    }
  }
  SECTION("hidden states and the MLP key at layer 1") {
    torch::NoGradGuard no_grad;
    torch::Tensor key;
    ScopedHook hook(model->hooks(), "layers.1.mlp.out_proj.input", read_hook([&](const torch::Tensor& x) { key = x; }));
    ForwardOptions options;
    options.output_hidden_states = true;
    ForwardOutput out = model->forward(as_batch(ref.sequence(0)), options);
    REQUIRE(static_cast<int64_t>(out.hidden_states.size()) == layers + 1);
    for (int64_t l = 0; l <= layers; ++l) {
      INFO("hidden_states." << l);
      CHECK(max_abs_diff(out.hidden_states[static_cast<size_t>(l)][0], ref.tensor("hidden_states." + std::to_string(l))) <= 1e-4);
    }
    CHECK(max_abs_diff(key[0], ref.tensor("mlp_out_proj_input.layer1")) <= 1e-4);
  }
  SECTION("greedy tokens, single and left-padded batch") {
    GenerationOptions options;
    const auto single = ref.json["greedy_from_seq0"].get<std::vector<int64_t>>();
    options.max_new_tokens = static_cast<int64_t>(single.size());
    CHECK(generate(*model, {ref.sequence(0)}, options)[0] == single);

    const auto batched = ref.json["greedy_batched_left_padded"].get<std::vector<std::vector<int64_t>>>();
    options.max_new_tokens = static_cast<int64_t>(batched[0].size());
    CHECK(generate(*model, {ref.sequence(0), ref.sequence(1), ref.sequence(2)}, options) == batched);
  }
  SECTION("losses and the gradient of the MLP output projection at layer 0") {
    torch::Tensor ids = as_batch(ref.sequence(0));
    torch::Tensor logits = model->forward(ids).logits;
    torch::Tensor masked = ids.clone();
    masked.narrow(1, 0, 6).fill_(kIgnoreIndex);
    CHECK(std::abs(causal_lm_loss(logits, masked).item<double>() - ref.json["loss_answer_only_first6_masked"].get<double>()) <= 1e-4);
    torch::Tensor loss = causal_lm_loss(logits, ids);
    CHECK(std::abs(loss.item<double>() - ref.json["loss_full"].get<double>()) <= 1e-4);
    model->zero_grad();
    loss.backward();
    torch::Tensor grad = model->layer(0).down.weight.grad();
    torch::Tensor expected = ref.tensor("grad.mlp_out_proj.layer0");
    REQUIRE(grad.sizes() == expected.sizes());
    CHECK((grad - expected).norm().item<double>() / expected.norm().item<double>() <= 1e-4);
  }
}

}  // namespace

TEST_CASE("llama matches transformers", "[parity]") { check_against_transformers("llama"); }
TEST_CASE("llama3 (rope_scaling llama3, tied, GQA 4:1) matches transformers", "[parity]") { check_against_transformers("llama3"); }
TEST_CASE("qwen2 (qkv bias, tied) matches transformers", "[parity]") { check_against_transformers("qwen2"); }
TEST_CASE("gpt2 (Conv1D, learned positions) matches transformers", "[parity]") { check_against_transformers("gpt2"); }

TEST_CASE("bf16 and sharded fp16 copies of llama give llama's logits within 5e-2", "[parity]") {
  test::require_shared_or_skip("fixtures/hf-tiny/llama");
  Reference ref(test::shared_path("fixtures/hf-tiny/llama"));
  torch::NoGradGuard no_grad;
  for (const char* copy : {"llama-bf16", "llama-fp16-sharded"}) {
    auto model = load_causal_lm(test::shared_path(std::string("fixtures/hf-tiny/") + copy));
    for (size_t i = 0; i < 3; ++i) {
      INFO(copy << " sequence " << i);
      CHECK(max_abs_diff(model->forward(as_batch(ref.sequence(i))).logits[0], ref.tensor("logits." + std::to_string(i))) <= 5e-2);
    }
  }
}
