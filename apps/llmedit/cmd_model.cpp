// llmedit info / logits / generate: the model runtime from the command line.
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <iostream>

#include "apps/llmedit/commands.h"
#include "libllmedit/core/error.h"
#include "libllmedit/core/runtime.h"
#include "libllmedit/generate/generator.h"
#include "libllmedit/model/loader.h"
#include "libllmedit/tokenizer/tokenizer.h"

namespace llmedit::cli {

namespace {

struct ModelArgs {
  std::string model;
  std::string dtype = "float32";
  int threads = 0;
};

void add_model_args(CLI::App* cmd, ModelArgs& args) {
  cmd->add_option("--model,model", args.model, "Hugging Face folder or llama2.c .bin file")->required();
  cmd->add_option("--dtype", args.dtype, "compute dtype: float32, bfloat16, float16")->capture_default_str();
  cmd->add_option("--threads", args.threads, "CPU threads (0 = all cores)")->capture_default_str();
}

std::shared_ptr<CausalLM> open_model(const ModelArgs& args) {
  set_num_threads(args.threads);
  LoadOptions options;
  options.dtype = parse_dtype(args.dtype);
  return load_causal_lm(args.model, options);
}

// The names --dtype accepts, not c10's ("Float", "BFloat16", "Half").
std::string dtype_name(torch::Dtype dtype) {
  if (dtype == torch::kBFloat16) return "bfloat16";
  if (dtype == torch::kFloat16) return "float16";
  if (dtype == torch::kFloat32) return "float32";
  return c10::toString(dtype);
}

void run_info(const ModelArgs& args) {
  auto model = open_model(args);
  const ArchSpec& s = model->spec();
  int64_t parameters = 0;
  for (const auto& [name, w] : model->named_weights()) parameters += w.numel();
  std::cout << "architecture:  " << (s.architecture.empty() ? family_name(s.family) : s.architecture) << " ("
            << family_name(s.family) << ")\n"
            << "parameters:    " << parameters << "\n"
            << "dtype:         " << dtype_name(model->dtype()) << "\n"
            << "layers:        " << s.num_layers << "\n"
            << "hidden size:   " << s.hidden_size << "\n"
            << "heads:         " << s.num_heads << " (kv " << s.num_kv_heads << ", head dim " << s.head_dim << ")\n"
            << "mlp size:      " << s.intermediate_size << "\n"
            << "vocab:         " << s.vocab_size << "\n"
            << "context:       " << s.max_position_embeddings << "\n"
            << "tied lm_head:  " << (s.tie_word_embeddings ? "yes" : "no") << "\n";
}

void run_logits(const ModelArgs& args, const std::vector<std::string>& id_lists, const std::string& out_path) {
  auto model = open_model(args);
  torch::NoGradGuard no_grad;
  NamedTensors outputs;
  for (size_t i = 0; i < id_lists.size(); ++i) {
    std::vector<int64_t> ids = parse_id_list("--ids", id_lists[i]);
    for (int64_t id : ids)
      if (id >= model->spec().vocab_size)
        throw usage_error("--ids: id " + std::to_string(id) + " is outside the vocabulary of " +
                          std::to_string(model->spec().vocab_size));
    torch::Tensor input = torch::tensor(ids, torch::kLong).unsqueeze(0);
    torch::Tensor logits = model->forward(input).logits[0].to(torch::kCPU, torch::kFloat);  // [T, V]
    outputs.emplace_back("logits." + std::to_string(i), logits);
  }
  write_safetensors(out_path, outputs);
}

struct GenerateArgs {
  std::string ids, prompt, tokenizer;
  int64_t max_new_tokens = 32;
  bool greedy = false, json = false;
  double temperature = 1.0, top_p = 1.0;
  int64_t top_k = 0;
  uint64_t seed = 0;
  int64_t prefill_chunk = GenerationOptions{}.prefill_chunk_size;
};

void run_generate(const ModelArgs& args, const GenerateArgs& g, bool sampling_requested) {
  if (g.ids.empty() == g.prompt.empty()) throw usage_error("generate: give exactly one of --ids or --prompt");
  auto model = open_model(args);
  std::unique_ptr<Tokenizer> tokenizer;
  std::vector<int64_t> prompt;
  if (!g.prompt.empty() || !g.tokenizer.empty()) tokenizer = load_tokenizer(g.tokenizer.empty() ? args.model : g.tokenizer);
  prompt = g.ids.empty() ? tokenizer->encode(g.prompt, true) : parse_id_list("--ids", g.ids);
  // Positions past the context were never trained: refuse rather than print noise.
  const int64_t context = model->spec().max_position_embeddings, length = static_cast<int64_t>(prompt.size());
  if (context > 0 && length >= context)
    throw usage_error(std::string(g.ids.empty() ? "--prompt" : "--ids") + ": " + std::to_string(length) +
                      " tokens fill the model's context of " + std::to_string(context) +
                      " (max_position_embeddings in " + args.model + "); shorten the prompt");
  GenerationOptions options;
  options.max_new_tokens = g.max_new_tokens;
  options.sampling.greedy = g.greedy || !sampling_requested;
  options.sampling.temperature = g.temperature;
  options.sampling.top_k = g.top_k;
  options.sampling.top_p = g.top_p;
  options.sampling.seed = g.seed;
  options.prefill_chunk_size = g.prefill_chunk;
  std::vector<int64_t> ids = generate(*model, {prompt}, options)[0];
  const std::string text = tokenizer ? tokenizer->decode(ids, true) : "";
  if (g.json) {
    nlohmann::json out = {{"ids", ids}, {"text", tokenizer ? nlohmann::json(text) : nlohmann::json(nullptr)}};
    std::cout << out.dump() << std::endl;
  } else if (tokenizer) {
    std::cout << text << std::endl;
  } else {
    for (size_t i = 0; i < ids.size(); ++i) std::cout << (i ? "," : "") << ids[i];
    std::cout << std::endl;
  }
}

}  // namespace

void add_model_commands(CLI::App& app) {
  auto info_args = std::make_shared<ModelArgs>();
  CLI::App* info = app.add_subcommand("info", "Print a model's architecture, parameter count, dtype, layers, vocab");
  add_model_args(info, *info_args);
  info->callback([info_args] { run_info(*info_args); });

  auto logits_args = std::make_shared<ModelArgs>();
  auto id_lists = std::make_shared<std::vector<std::string>>();
  auto out_path = std::make_shared<std::string>();
  CLI::App* logits = app.add_subcommand("logits", "Write float32 logits [T, vocab] of each --ids sequence, run alone");
  add_model_args(logits, *logits_args);
  logits->add_option("--ids", *id_lists, "comma-separated token ids; repeat for more sequences")->required();
  logits->add_option("--out", *out_path, "output .safetensors (tensors logits.0, logits.1, ...)")->required();
  logits->callback([=] { run_logits(*logits_args, *id_lists, *out_path); });

  auto gen_args = std::make_shared<ModelArgs>();
  auto g = std::make_shared<GenerateArgs>();
  CLI::App* gen = app.add_subcommand("generate", "Generate tokens with a KV cache (greedy unless sampling options are given)");
  add_model_args(gen, *gen_args);
  gen->add_option("--ids", g->ids, "prompt token ids, comma-separated");
  gen->add_option("--prompt", g->prompt, "prompt text (needs a tokenizer in the model folder or --tokenizer)");
  gen->add_option("--tokenizer", g->tokenizer, "tokenizer folder or file (default: the model folder)");
  gen->add_option("--max-new-tokens", g->max_new_tokens, "tokens to generate (at least 1)")->capture_default_str();
  gen->add_flag("--greedy", g->greedy, "greedy decoding (the default)");
  auto* temperature = gen->add_option("--temperature", g->temperature, "sampling temperature (> 0)");
  auto* top_k = gen->add_option("--top-k", g->top_k, "keep the k most likely tokens (0 = off)");
  auto* top_p = gen->add_option("--top-p", g->top_p, "nucleus sampling mass (1 = off)")->check(CLI::Range(0.0, 1.0));
  gen->add_option("--seed", g->seed, "sampling seed")->capture_default_str();
  gen->add_option("--prefill-chunk", g->prefill_chunk, "prompt tokens per forward before decoding (0: the whole prompt at once)")
      ->capture_default_str();
  gen->add_flag("--json", g->json, "print {\"ids\": [...], \"text\": ...}");
  gen->callback([=] {
    // Checked here rather than with CLI11's PositiveNumber, whose message spells out DBL_MAX.
    if (g->max_new_tokens < 1)
      throw usage_error("--max-new-tokens must be at least 1, got " + std::to_string(g->max_new_tokens));
    if (!(g->temperature > 0)) throw usage_error("--temperature must be positive, got " + temperature->as<std::string>());
    if (g->prefill_chunk < 0)
      throw usage_error("--prefill-chunk must be 0 (off) or positive, got " + std::to_string(g->prefill_chunk));
    if (g->top_k < 0) throw usage_error("--top-k must be 0 (off) or positive, got " + std::to_string(g->top_k));
    const bool sampling = temperature->count() + top_k->count() + top_p->count() > 0;
    if (g->greedy && sampling) throw usage_error("generate: --greedy cannot be combined with --temperature/--top-k/--top-p");
    run_generate(*gen_args, *g, sampling);
  });
}

}  // namespace llmedit::cli
