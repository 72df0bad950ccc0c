// Chunked prefill (generate/chunked_prefill): logits equal a one-shot prefill's within 1e-4 in
// float32 for every fixture model and every family (sliding window and left padding included),
// the cache ends where a one-shot prefill's does, and generation does not depend on the chunk.
#include <torch/torch.h>

#include <catch2/catch.hpp>

#include "libllmedit/generate/chunked_prefill.h"
#include "libllmedit/generate/generator.h"
#include "libllmedit/model/init_weights.h"
#include "libllmedit/model/loader.h"
#include "tests/fixtures.h"

using namespace llmedit;

namespace {

double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  REQUIRE(a.sizes() == b.sizes());
  return (a - b).abs().max().item<double>();
}

std::shared_ptr<CausalLM> tiny_model(const std::string& family, int64_t sliding_window = 0) {
  nlohmann::json c;
  if (family == "gpt2") {
    c = {{"architectures", {"GPT2LMHeadModel"}}, {"model_type", "gpt2"}, {"vocab_size", 50}, {"n_embd", 32},
         {"n_layer", 2}, {"n_head", 4}, {"n_positions", 64}};
  } else {
    const char* arch = family == "mistral" ? "MistralForCausalLM" : family == "qwen2" ? "Qwen2ForCausalLM" : "LlamaForCausalLM";
    c = {{"architectures", {arch}}, {"model_type", family}, {"vocab_size", 50}, {"hidden_size", 32},
         {"intermediate_size", 48}, {"num_hidden_layers", 2}, {"num_attention_heads", 4}, {"num_key_value_heads", 2},
         {"max_position_embeddings", 64}};
    if (sliding_window > 0) c["sliding_window"] = sliding_window;
  }
  ArchSpec spec = ArchSpec::from_config(c, "test config");
  return std::make_shared<CausalLM>(spec, c, init_weights(spec, 0.2, 3), "test weights");
}

// Chunked against one-shot logits of `ids` [B, T] with `mask`, for several chunk sizes.
void check_chunks(CausalLM& model, const torch::Tensor& ids, const torch::Tensor& mask) {
  torch::NoGradGuard no_grad;
  ForwardOptions one_shot;
  one_shot.attention_mask = mask;
  const torch::Tensor full = model.forward(ids, one_shot).logits;  // [B, T, V]
  for (int64_t chunk : {1, 3, 4, 7, 0}) {
    INFO("chunk " << chunk);
    KVCache cache;
    ChunkedPrefillOptions o;
    o.chunk_size = chunk;
    o.all_logits = true;
    const torch::Tensor chunked = chunked_prefill(model, ids, mask, cache, o);
    // Padding positions attend to nothing; their logits mean nothing either way.
    const torch::Tensor real = (mask.defined() ? mask : torch::ones_like(ids)).to(torch::kBool);  // [B, T]
    CHECK(max_abs_diff(chunked.index({real}), full.index({real})) <= 1e-4);
    CHECK(cache.length() == ids.size(1));
    KVCache last_only;
    o.all_logits = false;
    CHECK(max_abs_diff(chunked_prefill(model, ids, mask, last_only, o), full.select(1, -1)) <= 1e-4);
  }
}

}  // namespace

TEST_CASE("chunked prefill gives one-shot logits for every family, sliding window and padding", "[prefill]") {
  const torch::Tensor ids = torch::tensor({3, 17, 8, 41, 5, 9, 22, 30, 11, 2, 7, 19, 4}, torch::kLong).unsqueeze(0);
  for (const char* family : {"llama", "mistral", "qwen2", "gpt2"}) {
    INFO(family);
    check_chunks(*tiny_model(family), ids, {});
  }
  {
    INFO("mistral, window 4 (< chunk and < T)");
    check_chunks(*tiny_model("mistral", 4), ids, {});
  }
  INFO("llama, the second of two rows left-padded by 5");
  torch::Tensor batch = ids.repeat({2, 1});
  torch::Tensor mask = torch::ones_like(batch);
  mask[1].narrow(0, 0, 5).zero_();
  batch[1].narrow(0, 0, 5).fill_(0);
  check_chunks(*tiny_model("llama"), batch, mask);
}

TEST_CASE("chunked prefill gives one-shot logits for the transformers fixtures", "[prefill]") {
  test::require_shared_or_skip("fixtures/hf-tiny/llama");
  for (const char* name : {"llama", "llama3", "qwen2", "gpt2"}) {
    INFO(name);
    auto model = load_causal_lm(test::shared_path(std::string("fixtures/hf-tiny/") + name));
    const int64_t V = model->spec().vocab_size;
    const torch::Tensor ids = torch::arange(1, 40, torch::kLong).remainder(V - 1).add(1).unsqueeze(0);  // [1, 39]
    check_chunks(*model, ids, {});
  }
}

TEST_CASE("generation does not depend on the prefill chunk size", "[prefill]") {
  auto model = tiny_model("llama");
  GenerationOptions options;
  options.max_new_tokens = 8;
  options.use_model_eos = false;
  const std::vector<std::vector<int64_t>> prompts = {{1, 2, 3, 4, 5, 6, 7, 8, 9}, {7, 8, 9}};
  options.prefill_chunk_size = 0;
  const auto one_shot = generate(*model, prompts, options);
  for (int64_t chunk : {1, 2, 4}) {
    options.prefill_chunk_size = chunk;
    CHECK(generate(*model, prompts, options) == one_shot);
  }
  options.prefill_chunk_size = -1;
  CHECK_THROWS_WITH(generate(*model, prompts, options), Catch::Contains("-1"));
}
