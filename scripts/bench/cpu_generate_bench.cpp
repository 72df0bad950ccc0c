// CPU prefill and decode tokens/s of one ~25M-parameter random Llama (the prefill bench's shape)
// in float32, bfloat16 and W8A8 (+ shadow outliers on 15% of the linears), batch 1 and 16,
// measured side by side in one run (a warm-up, then the best of N) and printed as ratios to float32.
// Usage: bench_cpu_generate_bench [prompt_tokens=128] [new_tokens=32] [repeats=3] [threads=0 (all cores)]
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "libllmedit/core/runtime.h"
#include "libllmedit/model/init_weights.h"
#include "libllmedit/quant/w8a8_linear.h"

using namespace llmedit;

namespace {

nlohmann::json llama_config() {
  return {{"architectures", {"LlamaForCausalLM"}}, {"model_type", "llama"}, {"hidden_size", 512},
          {"intermediate_size", 1408}, {"num_hidden_layers", 8}, {"num_attention_heads", 8},
          {"num_key_value_heads", 8}, {"vocab_size", 8192}, {"max_position_embeddings", 1024},
          {"rms_norm_eps", 1e-5}, {"tie_word_embeddings", false}};
}

struct Variant {
  std::string name;
  std::shared_ptr<CausalLM> model;
};

double best_seconds(int repeats, const std::function<void()>& run) {
  run();  // warm-up: the first pass pays for allocations every later one reuses
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    run();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

// One forward of the whole prompt [B, T] into a fresh cache.
double prefill_seconds(CausalLM& model, const torch::Tensor& prompt, int repeats) {
  return best_seconds(repeats, [&] {
    KVCache cache;
    ForwardOptions o;
    o.cache = &cache;
    model.forward(prompt, o);
  });
}

// `steps` greedy steps of one token per row after a prefill of `prompt` (the prefill not timed).
double decode_seconds(CausalLM& model, const torch::Tensor& prompt, int64_t steps, int repeats) {
  double total = 0;
  auto run = [&] {
    KVCache cache;
    ForwardOptions o;
    o.cache = &cache;
    torch::Tensor next = model.forward(prompt, o).logits.select(1, -1).argmax(-1, true);  // [B, 1]
    const auto start = std::chrono::steady_clock::now();
    for (int64_t s = 0; s < steps; ++s) next = model.forward(next, o).logits.select(1, -1).argmax(-1, true);
    total = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  run();
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    run();
    best = std::min(best, total);
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t prompt_tokens = argc > 1 ? std::atoll(argv[1]) : 128;
  const int64_t new_tokens = argc > 2 ? std::atoll(argv[2]) : 32;
  const int repeats = argc > 3 ? std::atoi(argv[3]) : 3;
  set_num_threads(argc > 4 ? std::atoi(argv[4]) : 0);
  torch::NoGradGuard no_grad;
  const nlohmann::json config = llama_config();
  const ArchSpec spec = ArchSpec::from_config(config, "bench");
  const NamedTensors weights = init_weights(spec, 0.02, 0);
  int64_t parameters = 0;
  for (const auto& [name, w] : weights) parameters += w.numel();

  std::vector<Variant> variants;
  variants.push_back({"float32", std::make_shared<CausalLM>(spec, config, weights, "bench", torch::kFloat32)});
  variants.push_back({"bfloat16", std::make_shared<CausalLM>(spec, config, weights, "bench", torch::kBFloat16)});
  for (double shadow : {0.0, 0.15}) {
    auto model = std::make_shared<CausalLM>(spec, config, weights, "bench", torch::kFloat32);
    torch::manual_seed(1);
    std::vector<std::vector<int64_t>> calib;
    for (int i = 0; i < 4; ++i) {
      const torch::Tensor ids = torch::randint(1, spec.vocab_size, {128}, torch::kLong);
      calib.emplace_back(ids.data_ptr<int64_t>(), ids.data_ptr<int64_t>() + 128);
    }
    W8A8Options options;
    options.shadow_fraction = shadow;
    quantize_w8a8(*model, calib, options);
    variants.push_back({shadow > 0 ? "W8A8 + shadow 15%" : "W8A8", model});
  }

  std::printf("random Llama, %.1fM parameters; %d threads; prompt %ld tokens, %ld new tokens; best of %d after a warm-up\n",
              static_cast<double>(parameters) / 1e6, at::get_num_threads(), prompt_tokens, new_tokens, repeats);
  std::printf("| batch | model | prefill tokens/s | vs float32 | decode tokens/s | vs float32 |\n");
  std::printf("| --- | --- | --- | --- | --- | --- |\n");
  for (int64_t batch : {int64_t(1), int64_t(16)}) {
    torch::manual_seed(2);
    const torch::Tensor prompt = torch::randint(1, spec.vocab_size, {batch, prompt_tokens}, torch::kLong);
    double base_prefill = 0, base_decode = 0;
    for (const auto& v : variants) {
      const double prefill = static_cast<double>(batch * prompt_tokens) / prefill_seconds(*v.model, prompt, repeats);
      const double decode = static_cast<double>(batch * new_tokens) / decode_seconds(*v.model, prompt, new_tokens, repeats);
      if (v.name == "float32") base_prefill = prefill, base_decode = decode;
      std::printf("| %ld | %s | %.0f | %.2fx | %.0f | %.2fx |\n", batch, v.name.c_str(), prefill, prefill / base_prefill,
                  decode, decode / base_decode);
      std::fflush(stdout);
    }
  }
}
