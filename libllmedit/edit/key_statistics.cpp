#include "libllmedit/edit/key_statistics.h"

#include <torch/torch.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "libllmedit/core/atomic_file.h"
#include "libllmedit/core/error.h"
#include "libllmedit/core/interrupt.h"
#include "libllmedit/core/progress.h"
#include "libllmedit/data/text_corpus.h"
#include "libllmedit/model/causal_lm.h"
#include "libllmedit/tokenizer/tokenizer.h"

namespace llmedit {

namespace {

namespace fs = std::filesystem;

constexpr uint64_t kFnvOffset = 1469598103934665603ull;
constexpr uint64_t kFnvPrime = 1099511628211ull;
constexpr char kMagic[8] = {'L', 'L', 'M', 'E', 'M', 'O', 'M', '2'};

void fnv(uint64_t& h, const void* data, size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * kFnvPrime;
}

std::string hex16(uint64_t h) {
  std::ostringstream out;
  out << std::hex << std::setw(16) << std::setfill('0') << h;
  return out.str();
}

// One layer's running sums: Σ k kᵀ over `tokens` keys from the first `samples` documents.
struct Mom2File {
  nlohmann::json meta;  // layer, samples_done, tokens, complete, size, model_hash, corpus_hash, ...
  torch::Tensor sum;    // [F, F] float64
};

// Layout: 8-byte magic, u64 length of a JSON header, the header, then F*F float64 (row-major,
// native little-endian).
void write_mom2(const std::string& path, const Mom2File& file) {
  const std::string header = file.meta.dump();
  const torch::Tensor sum = file.sum.to(torch::kCPU, torch::kDouble).contiguous();
  fs::create_directories(fs::path(path).parent_path());
  write_file_atomic(path, [&](std::ostream& out) {
    const uint64_t n = header.size();
    out.write(kMagic, sizeof kMagic);
    out.write(reinterpret_cast<const char*>(&n), sizeof n);
    out.write(header.data(), static_cast<std::streamsize>(n));
    out.write(reinterpret_cast<const char*>(sum.data_ptr<double>()),
              static_cast<std::streamsize>(sum.numel() * static_cast<int64_t>(sizeof(double))));
  });
}

std::optional<Mom2File> read_mom2(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  char magic[8];
  uint64_t n = 0;
  in.read(magic, sizeof magic);
  in.read(reinterpret_cast<char*>(&n), sizeof n);
  if (!in || std::memcmp(magic, kMagic, sizeof kMagic) != 0 || n > (1u << 20))
    throw data_error(path + ": not a key statistics file (bad header); delete it and run llmedit stats again");
  std::string header(n, '\0');
  in.read(header.data(), static_cast<std::streamsize>(n));
  Mom2File file;
  try {
    file.meta = nlohmann::json::parse(header);
  } catch (const std::exception& e) {
    throw data_error(path + ": invalid JSON header: " + e.what());
  }
  const int64_t F = file.meta.value("size", int64_t{0});
  if (F <= 0) throw data_error(path + ": header field 'size' must be positive");
  file.sum = torch::empty({F, F}, torch::kDouble);
  in.read(reinterpret_cast<char*>(file.sum.data_ptr<double>()), static_cast<std::streamsize>(F * F * 8));
  if (!in) throw data_error(path + ": truncated (expected " + std::to_string(F * F) + " float64 values)");
  return file;
}

std::string layer_list(const std::vector<int64_t>& layers) {
  std::string s;
  for (size_t i = 0; i < layers.size(); ++i) s += (i ? "," : "") + std::to_string(layers[i]);
  return s;
}

// The documents as token ids, truncated to max_length, the first `samples` non-empty ones.
std::vector<std::vector<int64_t>> tokenize_documents(const Tokenizer& tokenizer, const KeyStatsSpec& spec) {
  std::vector<std::vector<int64_t>> out;
  for (const std::string& file : spec.corpus) {
    for (const std::string& doc : read_text_corpus(file)) {
      if (static_cast<int64_t>(out.size()) >= spec.samples) return out;
      std::vector<int64_t> ids = tokenizer.encode(doc, true);
      if (static_cast<int64_t>(ids.size()) > spec.max_length) ids.resize(static_cast<size_t>(spec.max_length));
      if (!ids.empty()) out.push_back(std::move(ids));
    }
  }
  return out;
}

}  // namespace

std::string model_weights_hash(const CausalLM& model) {
  uint64_t h = kFnvOffset;
  for (const auto& [name, w] : model.named_weights()) {
    fnv(h, name.data(), name.size());
    const torch::Tensor t = w.detach().to(torch::kCPU, torch::kFloat).contiguous();
    // Word-wise FNV: byte-wise is 8x slower and this runs over every weight.
    const auto* words = static_cast<const uint32_t*>(t.data_ptr());
    for (int64_t i = 0; i < t.numel(); ++i) h = (h ^ words[i]) * kFnvPrime;
  }
  return hex16(h);
}

std::string corpus_files_hash(const std::vector<std::string>& files) {
  uint64_t h = kFnvOffset;
  for (const std::string& file : files) {
    const std::string text = read_text_file(file);
    fnv(h, text.data(), text.size());
    const char separator = 0;
    fnv(h, &separator, 1);
  }
  return hex16(h);
}

std::string key_stats_path(const KeyStatsSpec& spec, const std::string& corpus_hash, int64_t layer) {
  return spec.stats_dir + "/" + spec.model_hash + "/" + corpus_hash + "-n" + std::to_string(spec.samples) + "-t" +
         std::to_string(spec.max_length) + "/layer" + std::to_string(layer) + ".mom2";
}

std::string key_stats_command(const KeyStatsSpec& spec, const std::vector<int64_t>& layers) {
  std::string cmd = "llmedit stats --model " + spec.model_path + " --layers " + layer_list(layers) + " --corpus";
  for (const std::string& f : spec.corpus) cmd += " " + f;
  cmd += " --samples " + std::to_string(spec.samples) + " --max-length " + std::to_string(spec.max_length);
  if (spec.model_dtype != "float32") cmd += " --dtype " + spec.model_dtype;
  if (spec.stats_dir != "stats") cmd += " --stats-dir " + spec.stats_dir;
  return cmd;
}

std::optional<torch::Tensor> try_load_key_second_moment(const std::string& path) {
  std::optional<Mom2File> file = read_mom2(path);
  if (!file || !file->meta.value("complete", false)) return std::nullopt;
  const double tokens = file->meta.value("tokens", 0.0);
  if (tokens <= 0) throw data_error(path + ": no tokens were summed");
  return file->sum / tokens;
}

torch::Tensor load_key_second_moment(const KeyStatsSpec& spec, int64_t layer, const std::vector<int64_t>& all_layers) {
  if (spec.corpus.empty())
    throw config_error("key statistics need a corpus (method.mom2_dataset), or set method.mom2_adjustment to false");
  const std::string path = key_stats_path(spec, corpus_files_hash(spec.corpus), layer);
  if (std::optional<torch::Tensor> c = try_load_key_second_moment(path)) return *c;
  throw config_error("key statistics for layer " + std::to_string(layer) + " are missing (" + path +
                     "); compute them first with: " + key_stats_command(spec, all_layers));
}

KeyStatsResult compute_key_statistics(CausalLM& model, const Tokenizer& tokenizer, const KeyStatsSpec& spec,
                                      const std::vector<int64_t>& layers, const KeyStatsRunOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  if (spec.corpus.empty()) throw usage_error("stats: give at least one --corpus file");
  if (spec.samples <= 0) throw usage_error("stats: --samples must be positive, got " + std::to_string(spec.samples));
  if (spec.max_length <= 1) throw usage_error("stats: --max-length must be at least 2");
  const int64_t L = model.spec().num_layers, F = model.spec().intermediate_size;
  for (int64_t layer : layers)
    if (layer < 0 || layer >= L)
      throw usage_error("stats: --layers: layer " + std::to_string(layer) + " is outside the model's 0.." +
                        std::to_string(L - 1));
  const std::string corpus_hash = corpus_files_hash(spec.corpus);
  std::vector<std::vector<int64_t>> docs = tokenize_documents(tokenizer, spec);
  // Batches of similar lengths waste little on padding; the order is deterministic, so a
  // resumed run continues at the same document.
  std::stable_sort(docs.begin(), docs.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  const int64_t n_docs = static_cast<int64_t>(docs.size());

  // Every layer continues from its own file; they advance together from the least advanced one.
  KeyStatsResult result;
  std::vector<Mom2File> state(layers.size());
  int64_t begin = n_docs;
  for (size_t i = 0; i < layers.size(); ++i) {
    const std::string path = key_stats_path(spec, corpus_hash, layers[i]);
    result.paths.push_back(path);
    std::optional<Mom2File> old = read_mom2(path);
    if (old && old->sum.size(0) != F) throw data_error(path + ": size does not match the model's intermediate_size");
    if (old) {
      state[i] = std::move(*old);
    } else {
      state[i].meta = {{"layer", layers[i]}, {"samples_done", 0}, {"tokens", 0}, {"complete", false}, {"size", F},
                       {"model_hash", spec.model_hash}, {"corpus_hash", corpus_hash}, {"corpus", spec.corpus},
                       {"samples", spec.samples}, {"max_length", spec.max_length}};
      state[i].sum = torch::zeros({F, F}, torch::kDouble);
    }
    begin = std::min(begin, state[i].meta.value("samples_done", int64_t{0}));
  }
  result.resumed_from = begin;

  torch::NoGradGuard no_grad;
  model.eval();
  const torch::Device device = model.device();
  std::vector<torch::Tensor> sums;  // on the model's device, float64
  for (auto& s : state) sums.push_back(s.sum.to(device));
  std::vector<torch::Tensor> keys(layers.size());
  std::vector<std::unique_ptr<ScopedHook>> hooks;
  for (size_t i = 0; i < layers.size(); ++i)
    hooks.push_back(std::make_unique<ScopedHook>(model.hooks(), layer_site(layers[i], "mlp.out_proj.input"),
                                                 read_hook([&keys, i](const torch::Tensor& k) { keys[i] = k; })));

  auto save = [&](int64_t done, bool complete) {
    for (size_t i = 0; i < layers.size(); ++i) {
      if (state[i].meta.value("complete", false)) continue;
      state[i].meta["samples_done"] = std::max(done, state[i].meta.value("samples_done", int64_t{0}));
      state[i].meta["complete"] = complete;
      state[i].sum = sums[i].to(torch::kCPU);
      write_mom2(result.paths[i], state[i]);
    }
  };

  ProgressBar bar("key statistics (layers " + layer_list(layers) + ")", n_docs, "doc", options.progress);
  bar.update(begin);
  int64_t since_save = 0;
  auto last_save = std::chrono::steady_clock::now();
  for (int64_t b = begin; b < n_docs; b += options.batch_size) {
    if (options.interrupt && options.interrupt->requested()) {
      save(b, false);
      result.interrupted = true;
      return result;
    }
    const int64_t e = std::min(n_docs, b + options.batch_size);
    int64_t T = 0;
    for (int64_t d = b; d < e; ++d) T = std::max<int64_t>(T, static_cast<int64_t>(docs[d].size()));
    torch::Tensor ids = torch::zeros({e - b, T}, torch::kLong);   // right padding
    torch::Tensor mask = torch::zeros({e - b, T}, torch::kLong);  // [B, T]
    for (int64_t d = b; d < e; ++d) {
      const auto n = static_cast<int64_t>(docs[d].size());
      ids[d - b].narrow(0, 0, n).copy_(torch::tensor(docs[d], torch::kLong));
      mask[d - b].narrow(0, 0, n).fill_(1);
    }
    ForwardOptions forward;
    forward.attention_mask = mask.to(device);
    model.forward(ids.to(device), forward);
    for (size_t i = 0; i < layers.size(); ++i) {
      if (state[i].meta.value("complete", false)) continue;
      // Rows this layer already summed in an earlier run are left out.
      torch::Tensor rows = mask.clone();
      const int64_t skip = std::min(e - b, std::max<int64_t>(0, state[i].meta.value("samples_done", int64_t{0}) - b));
      if (skip > 0) rows.narrow(0, 0, skip).zero_();
      const torch::Tensor selected = rows.flatten().nonzero().squeeze(1).to(device);
      const torch::Tensor k = keys[i].reshape({-1, F}).index_select(0, selected).to(torch::kFloat);  // [N, F]
      // Per-batch product in float32 (the forward's own precision), summed in float64.
      sums[i] += torch::matmul(k.t(), k).to(torch::kDouble);
      state[i].meta["tokens"] = state[i].meta.value("tokens", int64_t{0}) + selected.size(0);
    }
    result.tokens += mask.sum().item<int64_t>();
    since_save += e - b;
    const bool due = options.save_every > 0
                         ? since_save >= options.save_every
                         : std::chrono::duration<double>(std::chrono::steady_clock::now() - last_save).count() >=
                               options.save_seconds;
    if (due && e < n_docs) {
      save(e, false);
      since_save = 0;
      last_save = std::chrono::steady_clock::now();
    }
    bar.update(e);
  }
  save(n_docs, true);
  bar.finish();
  result.samples = n_docs;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace llmedit
