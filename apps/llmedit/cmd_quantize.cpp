// llmedit quantize: calibrate static W8A8 scales on a text file and write a model folder that
// loads W8A8 (quant/w8a8_linear.h, quant/w8a8_checkpoint.h).
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "apps/llmedit/commands.h"
#include "libllmedit/core/atomic_file.h"
#include "libllmedit/core/error.h"
#include "libllmedit/core/runtime.h"
#include "libllmedit/model/loader.h"
#include "libllmedit/quant/calibration_samples.h"
#include "libllmedit/quant/w8a8_checkpoint.h"
#include "libllmedit/quant/w8a8_linear.h"
#include "libllmedit/tokenizer/tokenizer.h"

namespace llmedit::cli {

namespace {

namespace fs = std::filesystem;

struct QuantizeArgs {
  std::string model, calib, out, tokenizer, weight_scale = "tensor";
  double shadow_fraction = 0.15, clip_percentile = 99.9;
  int64_t calib_samples = 16, calib_length = 256;
  int threads = 0;
};

// Tokenizer files travel with the model so the folder works with --prompt, eval-mc and serve.
bool is_tokenizer_file(const std::string& name) {
  return name.rfind("tokenizer", 0) == 0 || name == "special_tokens_map.json" || name == "vocab.json" ||
         name == "merges.txt" || name == "vocab.txt" || name == "added_tokens.json" || name == "chat_template.jinja";
}

void copy_tokenizer_files(const std::string& from, const std::string& to) {
  if (!fs::is_directory(from)) return;
  for (const auto& entry : fs::directory_iterator(from)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || !is_tokenizer_file(name)) continue;
    write_file_atomic(to + "/" + name, [&](std::ostream& out) {
      std::ifstream in(entry.path(), std::ios::binary);
      out << in.rdbuf();
    });
  }
}

void run_quantize(const QuantizeArgs& a) {
  if (fs::exists(a.out) && fs::exists(a.model) && fs::equivalent(a.out, a.model))
    throw usage_error("--out: '" + a.out + "' is the model folder itself; write the quantized model elsewhere");
  W8A8Options options;
  options.shadow_fraction = a.shadow_fraction;
  options.clip_percentile = a.clip_percentile;
  options.weight_scale = parse_weight_scale_granularity(a.weight_scale, "--weight-scale");
  set_num_threads(a.threads);
  auto model = load_causal_lm(a.model);  // float32: scales are calibrated on the float model
  if (model->config().contains("quantization_config"))
    throw usage_error("--model: '" + a.model + "' is already quantized (config.json has quantization_config)");
  const auto tokenizer = load_tokenizer(a.tokenizer.empty() ? a.model : a.tokenizer);
  CalibrationSampleOptions sample_options;
  sample_options.samples = a.calib_samples;
  sample_options.max_tokens = std::min<int64_t>(a.calib_length, model->spec().max_position_embeddings);
  const auto samples = calibration_samples(a.calib, *tokenizer, sample_options);
  int64_t tokens = 0;
  for (const auto& s : samples) tokens += static_cast<int64_t>(s.size());
  const W8A8Plan plan = quantize_w8a8(*model, samples, options);
  const nlohmann::json calibration = {{"file", fs::path(a.calib).filename().string()},
                                      {"samples", samples.size()},
                                      {"tokens", tokens},
                                      {"max_tokens", sample_options.max_tokens}};
  save_w8a8_folder(*model, plan, a.out, calibration);
  copy_tokenizer_files(a.tokenizer.empty() ? a.model : a.tokenizer, a.out);
  std::cout << "quantized " << plan.linears.size() << " linears to W8A8 (weight scale per "
            << weight_scale_granularity_name(options.weight_scale) << ", activation clip at p"
            << options.clip_percentile << " of |x| over " << samples.size() << " samples, " << tokens
            << " tokens); shadow outliers on " << plan.shadow_modules().size() << ":";
  for (const auto& name : plan.shadow_modules()) std::cout << " " << name;
  std::cout << "\n" << a.out << "\n";
}

}  // namespace

void add_quantize_commands(CLI::App& app) {
  auto a = std::make_shared<QuantizeArgs>();
  CLI::App* q = app.add_subcommand("quantize", "W8A8 with shadow outliers: calibrate static scales, write a model folder");
  q->add_option("--model", a->model, "Hugging Face model folder (float)")->required();
  q->add_option("--calib", a->calib, "calibration text: one sample per line, or .jsonl with \"text\"")->required();
  q->add_option("--out", a->out, "folder for the quantized model")->required();
  q->add_option("--tokenizer", a->tokenizer, "tokenizer for the calibration text (default: the model folder)");
  q->add_option("--shadow-fraction", a->shadow_fraction, "fraction of linears (by outlier importance) that keep shadow execution")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  q->add_option("--clip-percentile", a->clip_percentile, "activation clip: this percentile of |x| (100: absmax, no outliers)")
      ->check(CLI::Range(1e-9, 100.0))
      ->capture_default_str();
  q->add_option("--weight-scale", a->weight_scale, "int8 weight scale per tensor or per output channel")
      ->check(CLI::IsMember({"tensor", "channel"}))
      ->capture_default_str();
  q->add_option("--calib-samples", a->calib_samples, "calibration samples (the first N of the file)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  q->add_option("--calib-length", a->calib_length, "tokens per sample at most (and the model's context)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  q->add_option("--threads", a->threads, "CPU threads (0 = all cores)")->capture_default_str();
  q->callback([a] { run_quantize(*a); });
}

}  // namespace llmedit::cli
