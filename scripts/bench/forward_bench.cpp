// Forward and forward+backward throughput of a ~25M-parameter Llama against this machine's
// measured GEMM rate, all in one run (model-FLOP utilization = achieved FLOP/s / GEMM FLOP/s).
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "libllmedit/core/runtime.h"
#include "libllmedit/model/causal_lm.h"
#include "libllmedit/model/init_weights.h"

using namespace llmedit;

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Best of `reps` timings of fn().
template <typename Fn>
double best_time(int reps, Fn fn) {
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    auto start = std::chrono::steady_clock::now();
    fn();
    best = std::min(best, seconds_since(start));
  }
  return best;
}

double gemm_flops_per_second(int64_t n) {
  torch::Tensor a = torch::randn({n, n}), b = torch::randn({n, n});
  torch::mm(a, b);  // warm-up
  const double t = best_time(5, [&] { torch::mm(a, b); });
  return 2.0 * n * n * n / t;
}

std::shared_ptr<CausalLM> random_llama(int64_t d, int64_t layers, int64_t heads, int64_t ffn, int64_t vocab) {
  nlohmann::json config = {{"architectures", {"LlamaForCausalLM"}}, {"model_type", "llama"}, {"hidden_size", d},
                           {"intermediate_size", ffn}, {"num_hidden_layers", layers}, {"num_attention_heads", heads},
                           {"num_key_value_heads", heads}, {"vocab_size", vocab}, {"max_position_embeddings", 2048},
                           {"rms_norm_eps", 1e-5}, {"tie_word_embeddings", false}};
  ArchSpec spec = ArchSpec::from_config(config, "bench");
  return std::make_shared<CausalLM>(spec, config, init_weights(spec), "bench");
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t batch = argc > 1 ? std::atoll(argv[1]) : 8, seq = argc > 2 ? std::atoll(argv[2]) : 256;
  const int64_t d = 512, layers = 8, heads = 8, ffn = 1408, vocab = 8192;
  set_num_threads(0);
  torch::manual_seed(0);
  std::printf("threads: %d\n", at::get_num_threads());

  const double gemm = gemm_flops_per_second(2048);
  std::printf("GEMM rate (2048^3 float32 matmul): %.1f GFLOP/s\n", gemm / 1e9);

  auto model = random_llama(d, layers, heads, ffn, vocab);
  int64_t params = 0;
  for (const auto& [n, w] : model->named_weights()) params += w.numel();
  // Model FLOPs per token: 2 per matmul weight (embedding lookup excluded) + causal attention
  // scores and mixing, 2 * 2 * T * d per layer (full T x T computed), as in the PaLM appendix.
  const double matmul_params = static_cast<double>(params - vocab * d);
  const double forward_flops_per_token = 2.0 * matmul_params + 4.0 * layers * seq * d;
  std::printf("model: %.1fM parameters (d=%ld, layers=%ld, heads=%ld, ffn=%ld, vocab=%ld), batch %ld x %ld tokens\n",
              params / 1e6, d, layers, heads, ffn, vocab, batch, seq);

  torch::Tensor ids = torch::randint(vocab, {batch, seq}, torch::kLong);
  const double tokens = static_cast<double>(batch * seq);
  double forward_time;
  {
    torch::NoGradGuard no_grad;
    model->forward(ids);
    forward_time = best_time(3, [&] { model->forward(ids); });
  }
  model->forward(ids).logits.mean().backward();
  const double train_time = best_time(3, [&] {
    model->zero_grad();
    torch::Tensor logits = model->forward(ids).logits;
    torch::nn::functional::cross_entropy(logits.view({-1, vocab}), ids.view({-1})).backward();
  });

  const double fwd_rate = forward_flops_per_token * tokens / forward_time;
  const double train_rate = 3.0 * forward_flops_per_token * tokens / train_time;
  std::printf("%-18s %12s %14s %10s\n", "pass", "tokens/s", "GFLOP/s", "MFU");
  std::printf("%-18s %12.0f %14.1f %9.1f%%\n", "forward", tokens / forward_time, fwd_rate / 1e9, 100 * fwd_rate / gemm);
  std::printf("%-18s %12.0f %14.1f %9.1f%%\n", "forward+backward", tokens / train_time, train_rate / 1e9,
              100 * train_rate / gemm);
  std::printf("target: forward+backward >= 40%% of the GEMM rate: %s\n", train_rate / gemm >= 0.4 ? "met" : "NOT met");
  return 0;
}
