#include "libllmedit/eval/encoder_scorers.h"

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <numeric>

#include "libllmedit/core/atomic_file.h"
#include "libllmedit/core/error.h"
#include "libllmedit/model/encoder.h"
#include "libllmedit/tokenizer/tokenizer.h"

namespace llmedit {

namespace {

// One tokenized input: ids and their token type ids (segments).
struct Encoded {
  std::vector<int64_t> ids, type_ids;
};

struct Loaded {
  std::shared_ptr<EncoderModel> model;
  std::shared_ptr<Tokenizer> tokenizer;
};

Loaded load(const std::string& path, const EncoderScorerOptions& options) {
  return {load_encoder(path, options.device), std::shared_ptr<Tokenizer>(load_tokenizer(path))};
}

int64_t max_tokens(const std::string& path, const EncoderModel& model) {
  const std::string st_config = path + "/sentence_bert_config.json";
  if (std::filesystem::exists(st_config)) {
    const nlohmann::json j = nlohmann::json::parse(read_text_file(st_config), nullptr, /*allow_exceptions=*/false);
    if (j.is_object() && j.contains("max_seq_length") && j["max_seq_length"].is_number_integer())
      return j["max_seq_length"].get<int64_t>();
  }
  return model.config().max_position_embeddings;
}

struct BatchOutput {
  EncoderOutput output;
  torch::Tensor mask;  // [B, T] on the model's device
};

// Sequences right-padded into [B, T] ids, mask and type ids, run through the encoder.
BatchOutput run_batch(EncoderModel& model, const std::vector<Encoded>& batch) {
  size_t T = 0;
  for (const Encoded& e : batch) T = std::max(T, e.ids.size());
  const auto B = static_cast<int64_t>(batch.size());
  torch::Tensor ids = torch::full({B, static_cast<int64_t>(T)}, model.config().pad_token_id, torch::kLong);  // [B, T]
  torch::Tensor mask = torch::zeros({B, static_cast<int64_t>(T)}, torch::kLong);                            // [B, T]
  torch::Tensor types = torch::zeros({B, static_cast<int64_t>(T)}, torch::kLong);                           // [B, T]
  for (int64_t b = 0; b < B; ++b) {
    const Encoded& e = batch[static_cast<size_t>(b)];
    const auto n = static_cast<int64_t>(e.ids.size());
    ids[b].narrow(0, 0, n).copy_(torch::tensor(e.ids, torch::kLong));
    mask[b].narrow(0, 0, n).fill_(1);
    if (!e.type_ids.empty()) types[b].narrow(0, 0, n).copy_(torch::tensor(e.type_ids, torch::kLong));
  }
  const torch::Device device = model.device();
  mask = mask.to(device);
  return {model.forward(ids.to(device), mask, types.to(device)), mask};
}

// Runs `encoded` in length-sorted batches; `take(output, mask)` picks each batch's rows
// ([B, ...]), which are returned in input order.
torch::Tensor run_sorted(EncoderModel& model, const std::vector<Encoded>& encoded, int64_t batch_size,
                         const std::function<torch::Tensor(const EncoderOutput&, const torch::Tensor&)>& take) {
  std::vector<size_t> order(encoded.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return encoded[a].ids.size() < encoded[b].ids.size(); });
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> parts;
  const auto step = static_cast<size_t>(std::max<int64_t>(1, batch_size));
  for (size_t begin = 0; begin < order.size(); begin += step) {
    std::vector<Encoded> batch;
    for (size_t i = begin; i < std::min(order.size(), begin + step); ++i) batch.push_back(encoded[order[i]]);
    const BatchOutput out = run_batch(model, batch);
    parts.push_back(take(out.output, out.mask).to(torch::kCPU, torch::kFloat));
  }
  const torch::Tensor sorted = torch::cat(parts);  // rows in `order`
  std::vector<int64_t> inverse(order.size());
  for (size_t i = 0; i < order.size(); ++i) inverse[order[i]] = static_cast<int64_t>(i);
  return sorted.index_select(0, torch::tensor(inverse, torch::kLong));
}

Encoded encode_single(const Tokenizer& tokenizer, const std::string& text, int64_t limit) {
  Encoded e{tokenizer.encode(text, /*add_special_tokens=*/true), {}};
  if (e.ids.empty()) e.ids.push_back(0);  // an empty text still needs a row; its mask covers one pad-like token
  if (static_cast<int64_t>(e.ids.size()) > limit && limit >= 2) {
    const int64_t last = e.ids.back();
    e.ids.resize(static_cast<size_t>(limit - 1));
    e.ids.push_back(last);
  }
  return e;
}

// Drops the last word of the text (or its last character when it has one word).
std::string shorten(const std::string& text) {
  const size_t space = text.find_last_of(' ');
  if (space != std::string::npos && space > 0) return text.substr(0, space);
  return text.substr(0, text.empty() ? 0 : text.size() - 1);
}

Encoded encode_pair_within(const Tokenizer& tokenizer, std::string a, std::string b, int64_t limit) {
  for (;;) {
    PairEncoding p = tokenizer.encode_pair(a, b, /*add_special_tokens=*/true);
    if (static_cast<int64_t>(p.ids.size()) <= limit || (a.empty() && b.empty())) return {std::move(p.ids), std::move(p.type_ids)};
    if (a.size() >= b.size()) a = shorten(a);
    else b = shorten(b);
  }
}

class SentenceEncoder : public Embedder {
 public:
  SentenceEncoder(const std::string& path, const EncoderScorerOptions& options)
      : name_("bert:" + path), loaded_(load(path, options)), limit_(max_tokens(path, *loaded_.model)),
        batch_size_(options.batch_size) {}
  std::string name() const override { return name_; }
  torch::Tensor embed(const std::vector<std::string>& texts) const override {
    if (texts.empty()) return torch::zeros({0, loaded_.model->config().hidden_size}, torch::kFloat);
    std::vector<Encoded> encoded;
    for (const std::string& t : texts) encoded.push_back(encode_single(*loaded_.tokenizer, t, limit_));
    return l2_normalize_rows(run_sorted(*loaded_.model, encoded, batch_size_, [](const EncoderOutput& out, const torch::Tensor& mask) {
      return mean_pooled_normalized(out.last_hidden_state, mask);  // [B, D]
    }));
  }

 private:
  std::string name_;
  Loaded loaded_;
  int64_t limit_, batch_size_;
};

}  // namespace

std::unique_ptr<Embedder> load_sentence_encoder(const std::string& path, const EncoderScorerOptions& options) {
  return std::make_unique<SentenceEncoder>(path, options);
}

std::unique_ptr<NliModel> load_nli_model(const std::string& path, const EncoderScorerOptions& options) {
  const Loaded loaded = load(path, options);
  if (!loaded.model->has_classifier())
    throw data_error(path + "/model.safetensors: no sequence-classification head, so it cannot label NLI pairs");
  const int64_t limit = loaded.model->config().max_position_embeddings;
  const int64_t batch_size = options.batch_size;
  LogitsNli::LogitsFn logits = [loaded, limit, batch_size](const std::vector<NliPair>& pairs) {
    std::vector<Encoded> encoded;
    for (const NliPair& p : pairs) encoded.push_back(encode_pair_within(*loaded.tokenizer, p.first, p.second, limit));
    return run_sorted(*loaded.model, encoded, batch_size,
                      [](const EncoderOutput& out, const torch::Tensor&) { return out.logits; });  // [N, C]
  };
  return std::make_unique<LogitsNli>("nli:" + path, logits, loaded.model->id2label());
}

}  // namespace llmedit
