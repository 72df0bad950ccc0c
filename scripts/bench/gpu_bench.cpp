// The llmedit side of scripts/bench/gpu_vs_hf.py: one measurement on a Hugging Face folder,
// printed as one JSON line {"mode", "batch", "seq", "seconds", "tokens_per_s"} (best of N after a
// warm-up, the device synchronized around each timing).
//   prefill   one forward of [batch, seq] random tokens into a KV cache (all logits, as transformers' forward)
//   generate  greedy generation of --new-tokens after a [batch, seq] prompt (llmedit::generate, EOS ignored)
//   train     one optimizer step on [batch, seq]: LoRA r=8 on q,k,v,o (--full: every weight), AdamW,
//             next-token cross-entropy
//   logits    no timing: writes the [batch, seq] token ids (int64) to OUT.ids and the forward's
//             logits (float32, [batch, seq, vocab]) to OUT.logits, for gpu_vs_hf.py to compare
//             with transformers
// Usage: bench_gpu_bench --model DIR --mode prefill|generate|train|logits --batch B --seq T
//        [--new-tokens 128] [--dtype bfloat16] [--device auto] [--repeats 3] [--full] [--out OUT]
#include <torch/cuda.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <string>

#include "libllmedit/generate/generator.h"
#include "libllmedit/jobs/model_setup.h"
#include "libllmedit/model/loader.h"
#include "libllmedit/model/lora.h"
#include "libllmedit/train/adamw.h"

using namespace llmedit;

namespace {

struct Args {
  std::string model, mode = "prefill", dtype = "bfloat16", device = "auto", out;
  int64_t batch = 1, seq = 512, new_tokens = 128;
  int repeats = 3;
  bool full = false;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "bench_gpu_bench: %s needs a value\n", k.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (k == "--model") a.model = value();
    else if (k == "--mode") a.mode = value();
    else if (k == "--dtype") a.dtype = value();
    else if (k == "--device") a.device = value();
    else if (k == "--batch") a.batch = std::atoll(value().c_str());
    else if (k == "--seq") a.seq = std::atoll(value().c_str());
    else if (k == "--new-tokens") a.new_tokens = std::atoll(value().c_str());
    else if (k == "--repeats") a.repeats = std::atoi(value().c_str());
    else if (k == "--full") a.full = true;
    else if (k == "--out") a.out = value();
    else {
      std::fprintf(stderr, "bench_gpu_bench: unknown option %s\n", k.c_str());
      std::exit(2);
    }
  }
  if (a.model.empty()) {
    std::fprintf(stderr, "bench_gpu_bench: --model is required\n");
    std::exit(2);
  }
  return a;
}

void synchronize(const torch::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize();
}

double best_seconds(const torch::Device& device, int repeats, const std::function<void()>& run) {
  run();  // warm-up: allocations, cuBLAS handles, kernel selection
  synchronize(device);
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    run();
    synchronize(device);
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

void write_raw(const std::string& path, const torch::Tensor& t) {
  const torch::Tensor c = t.contiguous().cpu();
  std::ofstream f(path, std::ios::binary);
  f.write(static_cast<const char*>(c.data_ptr()), static_cast<std::streamsize>(c.numel() * c.element_size()));
  if (!f) {
    std::fprintf(stderr, "bench_gpu_bench: cannot write %s\n", path.c_str());
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = parse(argc, argv);
  LoadOptions load;
  load.dtype = parse_dtype(a.dtype);
  load.device = resolve_device(a.device);
  auto model = load_causal_lm(a.model, load);
  const torch::Device device = model->device();
  torch::manual_seed(0);
  const torch::Tensor ids = torch::randint(3, model->spec().vocab_size, {a.batch, a.seq}, torch::kLong).to(device);  // [B, T]
  double seconds = 0;
  int64_t tokens = a.batch * a.seq;
  if (a.mode == "prefill") {
    torch::NoGradGuard no_grad;
    seconds = best_seconds(device, a.repeats, [&] {
      KVCache cache;
      ForwardOptions o;
      o.cache = &cache;
      model->forward(ids, o);
    });
  } else if (a.mode == "generate") {
    torch::NoGradGuard no_grad;
    const torch::Tensor cpu_ids = ids.cpu();
    std::vector<std::vector<int64_t>> prompts;
    for (int64_t b = 0; b < a.batch; ++b)
      prompts.emplace_back(cpu_ids[b].data_ptr<int64_t>(), cpu_ids[b].data_ptr<int64_t>() + a.seq);
    GenerationOptions g;
    g.max_new_tokens = a.new_tokens;
    g.use_model_eos = false;  // every row runs the full length, as min_new_tokens does in transformers
    g.prefill_chunk_size = 0;
    seconds = best_seconds(device, a.repeats, [&] { generate(*model, prompts, g); });
    tokens = a.batch * a.new_tokens;
  } else if (a.mode == "train") {
    model->train();
    NamedTensors trainable;
    std::unique_ptr<LoraAdapter> adapter;
    if (a.full) {
      trainable = model->named_weights();
    } else {
      for (const auto& [name, w] : model->named_weights()) w.requires_grad_(false);
      LoraOptions lora;
      lora.r = 8;
      lora.alpha = 16;
      lora.target_modules = {"q_proj", "k_proj", "v_proj", "o_proj"};
      adapter = std::make_unique<LoraAdapter>(LoraAdapter::attach(*model, lora));
      int i = 0;
      for (const auto& p : adapter->parameters()) trainable.emplace_back("lora." + std::to_string(i++), p);
    }
    AdamW optimizer(trainable, {});
    seconds = best_seconds(device, a.repeats, [&] {
      optimizer.zero_grad();
      const torch::Tensor logits = model->forward(ids).logits;  // [B, T, V]
      const int64_t V = logits.size(-1);
      const torch::Tensor loss = torch::nn::functional::cross_entropy(
          logits.narrow(1, 0, a.seq - 1).reshape({-1, V}).to(torch::kFloat32), ids.narrow(1, 1, a.seq - 1).reshape({-1}));
      loss.backward();
      optimizer.step(1e-4);
    });
  } else if (a.mode == "logits") {
    if (a.out.empty()) {
      std::fprintf(stderr, "bench_gpu_bench: --mode logits needs --out\n");
      return 2;
    }
    torch::NoGradGuard no_grad;
    write_raw(a.out + ".ids", ids);
    write_raw(a.out + ".logits", model->forward(ids).logits.to(torch::kFloat32));  // [B, T, V]
    std::printf("{\"mode\": \"logits\", \"out\": \"%s\"}\n", a.out.c_str());
    return 0;
  } else {
    std::fprintf(stderr, "bench_gpu_bench: --mode must be prefill, generate, train or logits; got %s\n", a.mode.c_str());
    return 2;
  }
  std::printf("{\"mode\": \"%s\", \"batch\": %ld, \"seq\": %ld, \"device\": \"%s\", \"seconds\": %.6f, \"tokens_per_s\": %.1f}\n",
              a.mode.c_str(), a.batch, a.seq, device.str().c_str(), seconds, static_cast<double>(tokens) / seconds);
}
