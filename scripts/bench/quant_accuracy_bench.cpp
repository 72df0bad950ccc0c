// Accuracy of model folders side by side: perplexity of a text file (each non-empty line one
// sequence, BOS first, cut to the context) and multiple-choice accuracy on an MMLU/ArcMMLU-layout
// folder (0-shot, the mmlu prompt format). Quantized folders load W8A8 as every command does.
// Usage: bench_quant_accuracy_bench CORPUS MC_DIR NAME=FOLDER[@dtype] ...
#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "libllmedit/core/runtime.h"
#include "libllmedit/data/mc_csv.h"
#include "libllmedit/eval/multiple_choice.h"
#include "libllmedit/model/loader.h"
#include "libllmedit/quant/calibration_samples.h"
#include "libllmedit/tokenizer/tokenizer.h"

using namespace llmedit;

namespace {

// exp(mean next-token NLL) over every predicted token of every line.
double perplexity(CausalLM& model, const std::vector<std::vector<int64_t>>& sequences) {
  torch::NoGradGuard no_grad;
  double nll = 0;
  int64_t tokens = 0;
  for (const auto& ids : sequences) {
    if (ids.size() < 2) continue;
    const torch::Tensor input = torch::tensor(ids, torch::kLong).unsqueeze(0);                        // [1, T]
    const torch::Tensor logits = model.forward(input).logits.squeeze(0).to(torch::kFloat32);          // [T, V]
    const torch::Tensor logp = torch::log_softmax(logits.narrow(0, 0, logits.size(0) - 1), -1);      // [T-1, V]
    const torch::Tensor target = input.squeeze(0).narrow(0, 1, input.size(1) - 1).unsqueeze(1);      // [T-1, 1]
    nll -= logp.gather(1, target).sum().item<double>();
    tokens += input.size(1) - 1;
  }
  return std::exp(nll / static_cast<double>(tokens));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s CORPUS MC_DIR NAME=FOLDER[@dtype] ...\n", argv[0]);
    return 2;
  }
  set_num_threads(0);
  const std::string corpus = argv[1], mc_dir = argv[2];
  const MCBenchmark benchmark = read_mc_benchmark(mc_dir);
  MCOptions mc;
  mc.format = mmlu_format();
  mc.progress = false;
  mc.batch_size = 32;
  std::printf("| model | perplexity (%s) | MC accuracy (%s, 0-shot) |\n| --- | --- | --- |\n", corpus.c_str(), mc_dir.c_str());
  for (int i = 3; i < argc; ++i) {
    const std::string arg = argv[i];
    const size_t eq = arg.find('='), at = arg.find('@');
    const std::string name = arg.substr(0, eq);
    const std::string folder = arg.substr(eq + 1, at == std::string::npos ? std::string::npos : at - eq - 1);
    LoadOptions load;
    if (at != std::string::npos) load.dtype = parse_dtype(arg.substr(at + 1));
    auto model = load_causal_lm(folder, load);
    const auto tokenizer = load_tokenizer(folder);
    CalibrationSampleOptions lines;  // every line of the corpus, each cut to the context
    lines.samples = 1 << 30;
    lines.max_tokens = model->spec().max_position_embeddings;
    const double ppl = perplexity(*model, calibration_samples(corpus, *tokenizer, lines));
    const MCEvaluation evaluation = evaluate_mc(*model, *tokenizer, benchmark, mc);
    std::printf("| %s | %.3f | %.1f%% (%ld/%ld) |\n", name.c_str(), ppl, 100.0 * evaluation.summary.micro_accuracy,
                evaluation.summary.correct, evaluation.summary.items);
    std::fflush(stdout);
  }
}
