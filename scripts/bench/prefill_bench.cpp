// Chunked against one-shot prefill of one long prompt on a ~25M-parameter Llama, side by side in
// one run (after a warm-up, best of two): seconds, tokens/s, the ratio to one-shot, the largest intermediates each holds (the
// attention scores [B, H, chunk, T] and the logits [B, chunk, V]) and the largest logit difference.
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "libllmedit/core/runtime.h"
#include "libllmedit/generate/chunked_prefill.h"
#include "libllmedit/model/init_weights.h"

using namespace llmedit;

namespace {

std::shared_ptr<CausalLM> random_llama(int64_t max_positions) {
  nlohmann::json config = {{"architectures", {"LlamaForCausalLM"}}, {"model_type", "llama"}, {"hidden_size", 512},
                           {"intermediate_size", 1408}, {"num_hidden_layers", 8}, {"num_attention_heads", 8},
                           {"num_key_value_heads", 8}, {"vocab_size", 8192}, {"max_position_embeddings", max_positions},
                           {"rms_norm_eps", 1e-5}, {"tie_word_embeddings", false}};
  ArchSpec spec = ArchSpec::from_config(config, "bench");
  return std::make_shared<CausalLM>(spec, config, init_weights(spec), "bench");
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t batch = argc > 1 ? std::atoll(argv[1]) : 1, seq = argc > 2 ? std::atoll(argv[2]) : 2048;
  set_num_threads(0);
  torch::manual_seed(0);
  torch::NoGradGuard no_grad;
  auto model = random_llama(seq);
  const int64_t H = model->spec().num_heads, V = model->spec().vocab_size;
  const torch::Tensor ids = torch::randint(1, V, {batch, seq}, torch::kLong);
  std::printf("threads %d, batch %ld x %ld tokens\n", at::get_num_threads(), batch, seq);
  std::printf("| chunk | seconds | tokens/s | vs one-shot | scores MiB | logits MiB | max |Δlogit| |\n");
  std::printf("| --- | --- | --- | --- | --- | --- | --- |\n");
  {
    KVCache warm_up;  // the first forward pays for allocations every later one reuses
    chunked_prefill(*model, ids, {}, warm_up, {});
  }
  torch::Tensor reference;
  double one_shot_seconds = 0;
  for (int64_t chunk : {int64_t(0), int64_t(512), int64_t(256), int64_t(128)}) {
    ChunkedPrefillOptions o;
    o.chunk_size = chunk;
    torch::Tensor last;  // [B, V]
    double s = 1e30;     // best of two
    for (int rep = 0; rep < 2; ++rep) {
      KVCache cache;
      const auto start = std::chrono::steady_clock::now();
      last = chunked_prefill(*model, ids, {}, cache, o);
      s = std::min(s, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    if (chunk == 0) {
      reference = last;
      one_shot_seconds = s;
    }
    const int64_t rows = chunk == 0 ? seq : chunk;
    const double scores_mib = 4.0 * static_cast<double>(batch * H * rows * seq) / (1 << 20);
    const double logits_mib = 4.0 * static_cast<double>(batch * rows * V) / (1 << 20);
    std::printf("| %s | %.2f | %.0f | %.2fx | %.0f | %.0f | %.1e |\n", chunk == 0 ? "one-shot" : std::to_string(chunk).c_str(),
                s, static_cast<double>(batch * seq) / s, one_shot_seconds / s, scores_mib, logits_mib,
                (last - reference).abs().max().item<double>());
  }
}
