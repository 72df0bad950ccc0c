#include "libllmedit/eval/text_embedding.h"

#include <torch/torch.h>

#include <cctype>

#include "libllmedit/core/error.h"

namespace llmedit {

namespace {

std::string ngram_text(const std::string& text) {
  std::string out = " ";
  for (unsigned char c : text) {
    const bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r';
    if (space) {
      if (out.back() != ' ') out += ' ';
      continue;
    }
    out += static_cast<char>(c < 0x80 ? std::tolower(c) : c);
  }
  if (out.back() != ' ') out += ' ';
  return out;
}

// FNV-1a over the n-gram's bytes, seeded with its length so that n-grams of different n differ.
uint64_t fnv1a(const char* data, size_t n) {
  uint64_t h = 1469598103934665603ULL ^ static_cast<uint64_t>(n);
  for (size_t i = 0; i < n; ++i) {
    h ^= static_cast<unsigned char>(data[i]);
    h *= 1099511628211ULL;
  }
  return h;
}

}  // namespace

NgramEmbedder::NgramEmbedder(NgramEmbedderOptions options) : options_(options) {
  if (options_.min_n < 1 || options_.max_n < options_.min_n || options_.dimensions < 1)
    throw config_error("ngram embedder: need 1 <= min_n <= max_n and dimensions >= 1, got min_n " +
                       std::to_string(options_.min_n) + ", max_n " + std::to_string(options_.max_n) + ", dimensions " +
                       std::to_string(options_.dimensions));
}

torch::Tensor NgramEmbedder::embed(const std::vector<std::string>& texts) const {
  const auto N = static_cast<int64_t>(texts.size());
  torch::Tensor counts = torch::zeros({N, options_.dimensions}, torch::kFloat);  // [N, D]
  auto rows = counts.accessor<float, 2>();
  for (int64_t i = 0; i < N; ++i) {
    const std::string text = ngram_text(texts[static_cast<size_t>(i)]);
    if (text == " ") continue;  // nothing but whitespace
    for (int64_t n = options_.min_n; n <= options_.max_n; ++n)
      for (size_t start = 0; start + static_cast<size_t>(n) <= text.size(); ++start)
        rows[i][static_cast<int64_t>(fnv1a(text.data() + start, static_cast<size_t>(n)) %
                                     static_cast<uint64_t>(options_.dimensions))] += 1.0f;
  }
  return l2_normalize_rows(counts);
}

FunctionEmbedder::FunctionEmbedder(std::string name, EncodeFn encode) : name_(std::move(name)), encode_(std::move(encode)) {}

torch::Tensor FunctionEmbedder::embed(const std::vector<std::string>& texts) const {
  if (texts.empty()) return torch::zeros({0, 0}, torch::kFloat);
  return l2_normalize_rows(encode_(texts).to(torch::kCPU, torch::kFloat));
}

torch::Tensor l2_normalize_rows(const torch::Tensor& x) {
  const torch::Tensor norms = x.norm(2, /*dim=*/1, /*keepdim=*/true);  // [N, 1]
  return x / torch::where(norms > 0, norms, torch::ones_like(norms));
}

torch::Tensor cosine_matrix(const torch::Tensor& a, const torch::Tensor& b) { return torch::matmul(a, b.t()); }

}  // namespace llmedit
