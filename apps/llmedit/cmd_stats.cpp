// llmedit stats: the key statistics ROME and MEMIT need (libllmedit/edit/key_statistics.h),
// computed once, explicitly, with a progress bar; Ctrl-C saves the running sums and a rerun of
// the same command continues from them.
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <iostream>

#include "apps/llmedit/commands.h"
#include "libllmedit/core/error.h"
#include "libllmedit/core/interrupt.h"
#include "libllmedit/core/runtime.h"
#include "libllmedit/edit/key_statistics.h"
#include "libllmedit/jobs/model_setup.h"
#include "libllmedit/model/loader.h"
#include "libllmedit/tokenizer/tokenizer.h"

namespace llmedit::cli {

namespace {

struct StatsArgs {
  std::string model, layers, dtype = "float32", stats_dir = "stats", tokenizer, device = "cpu";
  std::vector<std::string> corpus;
  int64_t samples = 1000, max_length = 256, batch_size = 8, save_every = 0;
  double save_seconds = 300;
  int threads = 0;
};

void run_stats(const StatsArgs& a) {
  set_num_threads(a.threads);
  const std::vector<int64_t> layers = parse_id_list("--layers", a.layers);
  LoadOptions load;
  load.dtype = parse_dtype(a.dtype);
  load.device = resolve_device(a.device);
  auto model = load_causal_lm(a.model, load);
  auto tokenizer = load_tokenizer(a.tokenizer.empty() ? a.model : a.tokenizer);
  KeyStatsSpec spec;
  spec.stats_dir = a.stats_dir;
  spec.model_path = a.model;
  spec.model_dtype = a.dtype;
  spec.model_hash = model_weights_hash(*model);
  spec.corpus = a.corpus;
  spec.samples = a.samples;
  spec.max_length = a.max_length;
  if (a.batch_size < 1) throw usage_error("--batch-size must be at least 1, got " + std::to_string(a.batch_size));
  InterruptGuard interrupt;
  KeyStatsRunOptions run;
  run.batch_size = a.batch_size;
  run.save_every = a.save_every;
  run.save_seconds = a.save_seconds;
  run.interrupt = &interrupt;
  const KeyStatsResult result = compute_key_statistics(*model, *tokenizer, spec, layers, run);
  nlohmann::json out = {{"files", result.paths},      {"samples", result.samples},
                        {"tokens", result.tokens},    {"resumed_from_sample", result.resumed_from},
                        {"seconds", result.seconds},  {"interrupted", result.interrupted}};
  if (result.seconds > 0) out["tokens_per_second"] = static_cast<double>(result.tokens) / result.seconds;
  std::cout << out.dump(2) << std::endl;
  if (result.interrupted) {
    std::cerr << "llmedit stats: interrupted; run the same command again to continue" << std::endl;
    std::exit(interrupt.exit_code());
  }
}

}  // namespace

void add_stats_commands(CLI::App& app) {
  auto a = std::make_shared<StatsArgs>();
  CLI::App* cmd = app.add_subcommand(
      "stats", "Compute the key second moment C of MLP output projections over a corpus (for rome and memit)");
  cmd->add_option("--model,model", a->model, "Hugging Face folder or llama2.c .bin file")->required();
  cmd->add_option("--layers", a->layers, "comma-separated layers, e.g. 1,2")->required();
  cmd->add_option("--corpus", a->corpus, "text corpus files (plain text or .jsonl with \"text\")")->required();
  cmd->add_option("--samples", a->samples, "corpus documents to use (the first N)")->capture_default_str();
  cmd->add_option("--max-length", a->max_length, "tokens per document at most")->capture_default_str();
  cmd->add_option("--dtype", a->dtype, "compute dtype: float32, bfloat16, float16")->capture_default_str();
  cmd->add_option("--device", a->device, "where the forward runs: cpu, cuda or auto")
      ->capture_default_str();
  cmd->add_option("--tokenizer", a->tokenizer, "tokenizer folder or file (default: the model folder)");
  cmd->add_option("--stats-dir", a->stats_dir, "cache folder")->capture_default_str();
  cmd->add_option("--batch-size", a->batch_size, "documents per forward")->capture_default_str();
  cmd->add_option("--save-every", a->save_every, "documents between saves of the running sums (0: by time)")
      ->capture_default_str();
  cmd->add_option("--save-seconds", a->save_seconds, "seconds between saves of the running sums")->capture_default_str();
  cmd->add_option("--threads", a->threads, "CPU threads (0 = all cores)")->capture_default_str();
  cmd->callback([a] { run_stats(*a); });
}

}  // namespace llmedit::cli
