// Text embeddings for entity similarity (ReLearn's S compares entities by cosine similarity of
// their embeddings). Two kinds behind one interface:
//   ngram     offline: hashed character n-gram counts, L2-normalized (no model, deterministic)
//   encoder   any sentence encoder given as a function (texts -> pooled embeddings), e.g. an HF
//             BERT sentence-transformers model such as all-MiniLM-L12-v2 with mean pooling
#pragma once
#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace llmedit {

class Embedder {
 public:
  virtual ~Embedder() = default;
  virtual std::string name() const = 0;
  // texts -> [N, D] float32 on the CPU, every row of unit L2 norm (a zero row for a text with
  // nothing to embed, so its cosine with anything is 0).
  virtual torch::Tensor embed(const std::vector<std::string>& texts) const = 0;
};

struct NgramEmbedderOptions {
  int64_t min_n = 2;              // character n-gram lengths, inclusive
  int64_t max_n = 4;
  int64_t dimensions = 1 << 14;   // hashing buckets
};

// The text is lower-cased (ASCII), whitespace runs become one space, and one space pads each end
// (so word starts and ends are features); every byte n-gram with min_n <= n <= max_n is hashed
// (FNV-1a, 64-bit) into a bucket and counted.
class NgramEmbedder : public Embedder {
 public:
  explicit NgramEmbedder(NgramEmbedderOptions options = {});
  std::string name() const override { return "ngram"; }
  torch::Tensor embed(const std::vector<std::string>& texts) const override;

 private:
  NgramEmbedderOptions options_;
};

// A sentence encoder given as a function returning [N, D] embeddings; rows are L2-normalized
// here (sentence-transformers' Normalize), so the function may return raw pooled states.
class FunctionEmbedder : public Embedder {
 public:
  using EncodeFn = std::function<torch::Tensor(const std::vector<std::string>&)>;
  FunctionEmbedder(std::string name, EncodeFn encode);
  std::string name() const override { return name_; }
  torch::Tensor embed(const std::vector<std::string>& texts) const override;

 private:
  std::string name_;
  EncodeFn encode_;
};

// Rows scaled to unit L2 norm; zero rows stay zero. [N, D] -> [N, D].
torch::Tensor l2_normalize_rows(const torch::Tensor& x);

// Cosine similarities of unit rows: [G, D] x [R, D] -> [G, R].
torch::Tensor cosine_matrix(const torch::Tensor& a, const torch::Tensor& b);

}  // namespace llmedit
