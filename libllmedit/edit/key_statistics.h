// Key statistics for ROME and MEMIT: the uncentered second moment C = E[k kᵀ] of the keys k, the
// input of each layer's MLP output projection (hook site layers.{i}.mlp.out_proj.input; Llama's
// down_proj, GPT-2's c_proj), over a text corpus. ROME (Meng et al. 2022, §3.1) whitens the key
// with C⁻¹; MEMIT (Meng et al. 2023, eq. 14) uses λC as the prior on the keys it must preserve.
//
// C is computed once, explicitly (`llmedit stats`), and cached on disk under
//   <stats_dir>/<model weights hash>/<corpus hash>-n<samples>-t<max_length>/layer<L>.mom2
// An edit that needs a missing file fails with the exact command that computes it, instead of
// starting an hour-long computation nobody asked for. The running sums are saved as the
// computation goes, so an interrupted `llmedit stats` continues where it stopped.
#pragma once
#include <torch/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace llmedit {

class CausalLM;
class Tokenizer;
class InterruptGuard;

// 16 hex digits: FNV-1a over every weight (float32 bytes, checkpoint order) and its name.
std::string model_weights_hash(const CausalLM& model);
// 16 hex digits: FNV-1a over the corpus files' bytes, in order.
std::string corpus_files_hash(const std::vector<std::string>& files);

// What C is computed from; everything here is part of the cache key.
struct KeyStatsSpec {
  std::string stats_dir = "stats";
  std::string model_path;    // for the command in messages
  std::string model_dtype = "float32";
  std::string model_hash;    // model_weights_hash of the unedited model
  std::vector<std::string> corpus;
  int64_t samples = 1000;    // corpus documents (the first N; fewer when the corpus is shorter)
  int64_t max_length = 256;  // tokens per document at most (BOS included)
};

std::string key_stats_path(const KeyStatsSpec& spec, const std::string& corpus_hash, int64_t layer);
// "llmedit stats --model P --layers 1,2 --corpus F --samples N --max-length T [--dtype D] [--stats-dir S]"
std::string key_stats_command(const KeyStatsSpec& spec, const std::vector<int64_t>& layers);

struct KeyStatsRunOptions {
  int64_t batch_size = 8;    // documents per forward
  // Resume points: the running sums are saved every `save_every` documents when > 0, else every
  // `save_seconds` (an [F, F] float64 file per layer is costly to write, so not too often).
  int64_t save_every = 0;
  double save_seconds = 300;
  bool progress = true;
  const InterruptGuard* interrupt = nullptr;
};

struct KeyStatsResult {
  std::vector<std::string> paths;  // one per layer
  int64_t samples = 0, tokens = 0;
  int64_t resumed_from = 0;        // documents already summed by an earlier, interrupted run
  bool interrupted = false;
  double seconds = 0;
};

// Sums k kᵀ (float64) over every non-padding token of the corpus documents for each layer,
// one forward per batch with read hooks on every layer, and writes layer<L>.mom2 files.
// Layers already complete are kept; a partial file resumes.
KeyStatsResult compute_key_statistics(CausalLM& model, const Tokenizer& tokenizer, const KeyStatsSpec& spec,
                                      const std::vector<int64_t>& layers, const KeyStatsRunOptions& options);

// C = (Σ k kᵀ) / tokens, [F, F] float64, for `layer`. Throws a config error naming the missing
// file and the `llmedit stats` command that computes it (for `all_layers`, the layers the edit
// needs) when the cache has no complete entry.
torch::Tensor load_key_second_moment(const KeyStatsSpec& spec, int64_t layer, const std::vector<int64_t>& all_layers);

// The same, or nullopt when absent or incomplete.
std::optional<torch::Tensor> try_load_key_second_moment(const std::string& path);

}  // namespace llmedit
