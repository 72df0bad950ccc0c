// Editing throughput on a ~25M-parameter Llama, in one run: forward tokens/s at batch 8 x 256,
// then key-statistics tokens/s (llmedit stats' computation: the same forwards plus k kᵀ sums) on
// the world corpus; the ratio is the statistics' efficiency (target >= 70%). Writes the random
// model (with the world tokenizer) to the folder given as argv[1], for scripts/bench/edit.sh to
// time ROME and MEMIT edits on it through `llmedit run`.
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "libllmedit/core/remove_tree.h"
#include "libllmedit/core/runtime.h"
#include "libllmedit/edit/key_statistics.h"
#include "libllmedit/model/causal_lm.h"
#include "libllmedit/model/init_weights.h"
#include "libllmedit/model/loader.h"
#include "libllmedit/tokenizer/tokenizer.h"

using namespace llmedit;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: bench_edit_bench OUT_MODEL_DIR REPO_ROOT\n");
    return 2;
  }
  const std::string out = argv[1], root = argv[2];
  set_num_threads(0);
  torch::manual_seed(0);
  const nlohmann::json config = {{"architectures", {"LlamaForCausalLM"}}, {"model_type", "llama"}, {"hidden_size", 512},
                                 {"intermediate_size", 1408}, {"num_hidden_layers", 8}, {"num_attention_heads", 8},
                                 {"num_key_value_heads", 8}, {"vocab_size", 1024}, {"max_position_embeddings", 512},
                                 {"rms_norm_eps", 1e-5}, {"tie_word_embeddings", false}, {"bos_token_id", 1},
                                 {"eos_token_id", 2}};
  const ArchSpec spec = ArchSpec::from_config(config, "bench");
  CausalLM model(spec, config, init_weights(spec), "bench");
  model.eval();
  std::printf("threads: %d, parameters: %.1fM\n", at::get_num_threads(), static_cast<double>(spec.num_parameters()) / 1e6);

  torch::NoGradGuard no_grad;
  const int64_t B = 8, T = 256;
  const torch::Tensor ids = torch::randint(3, 1024, {B, T}, torch::kLong);
  model.forward(ids);  // warm-up
  double best = 1e30;
  for (int r = 0; r < 3; ++r) {
    const auto start = std::chrono::steady_clock::now();
    model.forward(ids);
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  const double forward_rate = static_cast<double>(B * T) / best;
  std::printf("forward: %.0f tokens/s (batch %ld x %ld)\n", forward_rate, static_cast<long>(B), static_cast<long>(T));

  const std::unique_ptr<Tokenizer> tokenizer = load_tokenizer(root + "/data/models/world-tiny");
  KeyStatsSpec stats;
  stats.stats_dir = out + "/bench-stats";
  remove_tree(stats.stats_dir);
  stats.model_hash = model_weights_hash(model);
  stats.corpus = {root + "/data/world/corpus.txt"};
  stats.samples = 1000;
  stats.max_length = 256;
  KeyStatsRunOptions run;
  run.batch_size = B;
  run.progress = false;
  const KeyStatsResult result = compute_key_statistics(model, *tokenizer, stats, {2, 3}, run);
  const double stats_rate = static_cast<double>(result.tokens) / result.seconds;
  std::printf("statistics (layers 2,3): %.0f tokens/s over %ld tokens = %.0f%% of forward (target >= 70%%)\n",
              stats_rate, static_cast<long>(result.tokens), 100.0 * stats_rate / forward_rate);
  remove_tree(stats.stats_dir);

  save_hf_checkpoint(model, out);
  for (const char* f : {"tokenizer.model", "tokenizer_config.json"})
    std::filesystem::copy_file(root + "/data/models/world-tiny/" + f, out + "/" + f,
                               std::filesystem::copy_options::overwrite_existing);
  return 0;
}
