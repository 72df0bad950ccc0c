// EncoderModel: loading, embeddings, the post-norm BERT/RoBERTa blocks (modeling_bert.py,
// modeling_roberta.py) and the heads; DeBERTa's attention is in encoder_deberta.cpp.
#include "libllmedit/model/encoder.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <limits>
#include <unordered_map>
#include <unordered_set>

#include "libllmedit/core/error.h"
#include "libllmedit/io/checkpoint.h"

namespace llmedit {

namespace {

using Shape = std::vector<int64_t>;

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// LibTorch parameter names cannot contain dots.
std::string parameter_key(const std::string& hf_name) {
  std::string key = hf_name;
  std::replace(key.begin(), key.end(), '.', '_');
  return key;
}

// Old TF-converted BERT checkpoints name LayerNorm parameters gamma/beta; transformers renames them.
std::string canonical_name(const std::string& name) {
  if (ends_with(name, "LayerNorm.gamma")) return name.substr(0, name.size() - 5) + "weight";
  if (ends_with(name, "LayerNorm.beta")) return name.substr(0, name.size() - 4) + "bias";
  return name;
}

// Buffers some checkpoints carry that are not weights.
bool is_known_buffer(const std::string& name) { return ends_with(name, "position_ids") || ends_with(name, "token_type_ids"); }

// transformers' ACT2FN entries these checkpoints use.
bool is_supported_activation(const std::string& name) {
  return name == "gelu" || name == "gelu_new" || name == "gelu_pytorch_tanh" || name == "relu" || name == "silu" ||
         name == "swish" || name == "tanh";
}

const char* base_prefix(EncoderFamily family) {
  switch (family) {
    case EncoderFamily::Bert: return "bert.";
    case EncoderFamily::Roberta: return "roberta.";
    case EncoderFamily::DebertaV2: return "deberta.";
  }
  return "";
}

}  // namespace

// Hands out checkpoint tensors by Hugging Face name, checking shapes and registering each as
// a parameter of the model.
class EncoderModel::WeightTaker {
 public:
  WeightTaker(EncoderModel& model, const NamedTensors& weights, std::string source)
      : model_(model), source_(std::move(source)) {
    for (const auto& [name, tensor] : weights) given_[canonical_name(name)] = tensor;
  }

  bool has(const std::string& name) const { return given_.count(name) > 0; }

  // The first dimension of a weight whose size config.json does not give (the label count).
  int64_t rows(const std::string& name) const {
    const auto it = given_.find(name);
    if (it == given_.end()) throw data_error(source_ + ": missing weight '" + name + "'");
    if (it->second.dim() != 2) throw data_error(source_ + ": weight '" + name + "' is not a matrix");
    return it->second.size(0);
  }

  torch::Tensor operator()(const std::string& name, const Shape& shape) {
    const auto it = given_.find(name);
    if (it == given_.end()) throw data_error(source_ + ": missing weight '" + name + "'");
    if (it->second.sizes() != c10::IntArrayRef(shape))
      throw data_error(source_ + ": weight '" + name + "' has shape " + c10::str(it->second.sizes()) +
                       " but config.json implies " + c10::str(c10::IntArrayRef(shape)));
    used_.insert(name);
    return model_.register_parameter(parameter_key(name), it->second.to(model_.dtype_).contiguous(), /*requires_grad=*/false);
  }

  Linear linear(const std::string& module, int64_t in, int64_t out, bool bias = true) {
    Linear l;
    l.weight = (*this)(module + ".weight", {out, in});
    if (bias) l.bias = (*this)(module + ".bias", {out});
    return l;
  }

  LayerNorm norm(const std::string& module, int64_t dim, double eps) {
    return {(*this)(module + ".weight", {dim}), (*this)(module + ".bias", {dim}), eps};
  }

  void warn_unused() const {
    size_t unused = 0;
    std::string example;
    for (const auto& [name, tensor] : given_) {
      if (used_.count(name) || is_known_buffer(name)) continue;
      if (unused++ == 0) example = name;
    }
    if (unused) spdlog::warn("{}: ignoring {} unused weight(s), e.g. '{}'", source_, unused, example);
  }

  const std::string& source() const { return source_; }

 private:
  EncoderModel& model_;
  std::string source_;
  std::unordered_map<std::string, torch::Tensor> given_;
  std::unordered_set<std::string> used_;
};

torch::Tensor EncoderModel::LayerNorm::operator()(const torch::Tensor& x) const {
  return torch::layer_norm(x, {weight.size(0)}, weight, bias, eps);
}

EncoderModel::EncoderModel(EncoderConfig config, const NamedTensors& weights, const std::string& source, torch::Dtype dtype)
    : config_(std::move(config)), dtype_(dtype) {
  for (const std::string* act : {&config_.hidden_act, &config_.pooler_hidden_act})
    if (!is_supported_activation(*act)) throw data_error(source + ": unsupported activation '" + *act + "'");
  WeightTaker take(*this, weights, source);
  // "bert." etc. when the checkpoint is a task model (BertForSequenceClassification), none for a
  // bare encoder (BertModel, as sentence-transformers saves them).
  const std::string base = base_prefix(config_.family);
  const std::string prefix = take.has(base + "embeddings.word_embeddings.weight") ? base : "";
  load_embeddings(take, prefix);
  load_layers(take, prefix);
  load_heads(take, prefix);
  take.warn_unused();
}

void EncoderModel::load_embeddings(WeightTaker& take, const std::string& prefix) {
  const EncoderConfig& c = config_;
  const std::string p = prefix + "embeddings.";
  const int64_t E = c.embedding_size, D = c.hidden_size;
  word_embeddings_ = take(p + "word_embeddings.weight", {c.vocab_size, E});
  if (c.family != EncoderFamily::DebertaV2 || c.position_biased_input)
    position_embeddings_ = take(p + "position_embeddings.weight", {c.max_position_embeddings, E});
  if (c.type_vocab_size > 0) token_type_embeddings_ = take(p + "token_type_embeddings.weight", {c.type_vocab_size, E});
  if (E != D) embed_proj_ = take.linear(p + "embed_proj", E, D, /*bias=*/false);
  embed_norm_ = take.norm(p + "LayerNorm", D, c.layer_norm_eps);
}

void EncoderModel::load_layers(WeightTaker& take, const std::string& prefix) {
  const EncoderConfig& c = config_;
  const bool deberta = c.family == EncoderFamily::DebertaV2;
  const std::string p = prefix + "encoder.";
  const int64_t D = c.hidden_size, F = c.intermediate_size;
  for (int64_t i = 0; i < c.num_layers; ++i) {
    const std::string l = p + "layer." + std::to_string(i) + ".";
    Layer layer;
    const std::string self = l + "attention.self.";
    layer.query = take.linear(self + (deberta ? "query_proj" : "query"), D, D);
    layer.key = take.linear(self + (deberta ? "key_proj" : "key"), D, D);
    layer.value = take.linear(self + (deberta ? "value_proj" : "value"), D, D);
    if (deberta && c.relative_attention && !c.share_att_key) {
      if (c.c2p) layer.pos_key = take.linear(self + "pos_key_proj", D, D);
      if (c.p2c) layer.pos_query = take.linear(self + "pos_query_proj", D, D);
    }
    layer.attention_out = take.linear(l + "attention.output.dense", D, D);
    layer.attention_norm = take.norm(l + "attention.output.LayerNorm", D, c.layer_norm_eps);
    layer.intermediate = take.linear(l + "intermediate.dense", D, F);
    layer.output = take.linear(l + "output.dense", F, D);
    layer.output_norm = take.norm(l + "output.LayerNorm", D, c.layer_norm_eps);
    layers_.push_back(layer);
  }
  if (deberta && c.relative_attention) {
    rel_embeddings_ = take(p + "rel_embeddings.weight", {2 * c.relative_span(), D});
    if (c.norm_rel_ebd) rel_norm_ = take.norm(p + "LayerNorm", D, c.layer_norm_eps);
  }
}

// BertForSequenceClassification: pooler -> classifier. RobertaForSequenceClassification:
// classifier.dense -> tanh -> classifier.out_proj on <s>. DebertaV2ForSequenceClassification:
// ContextPooler ("pooler.dense", outside "deberta.") -> classifier.
void EncoderModel::load_heads(WeightTaker& take, const std::string& prefix) {
  EncoderConfig& c = config_;
  const int64_t D = c.hidden_size;
  const bool roberta = c.family == EncoderFamily::Roberta, deberta = c.family == EncoderFamily::DebertaV2;
  const std::string out_name = roberta ? "classifier.out_proj" : "classifier";
  const bool classifies = c.architecture.empty() ? take.has(out_name + ".weight") : ends_with(c.architecture, "ForSequenceClassification");
  const std::string pooler = deberta ? "pooler.dense" : prefix + "pooler.dense";
  // BERT classifies from its pooler; bare BERT/RoBERTa encoders keep a pooler the checkpoint has.
  if ((classifies && !roberta) || (!deberta && take.has(pooler + ".weight"))) pooler_ = take.linear(pooler, D, D);
  if (!classifies) return;

  const int64_t labels = take.rows(out_name + ".weight");
  if (roberta) head_dense_ = take.linear("classifier.dense", D, D);
  classifier_ = take.linear(out_name, D, labels);
  if (c.id2label.empty()) {
    for (int64_t i = 0; i < labels; ++i) c.id2label.push_back("LABEL_" + std::to_string(i));
  } else if (static_cast<int64_t>(c.id2label.size()) != labels) {
    throw data_error(take.source() + ": weight '" + out_name + ".weight' has " + std::to_string(labels) +
                     " rows but config.json's id2label names " + std::to_string(c.id2label.size()) + " labels");
  }
}

int64_t EncoderModel::label_id(const std::string& name) const {
  const auto lower = [](std::string text) {
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char ch) { return std::tolower(ch); });
    return text;
  };
  const auto& labels = config_.id2label;
  for (size_t i = 0; i < labels.size(); ++i)
    if (lower(labels[i]) == lower(name)) return static_cast<int64_t>(i);
  return -1;
}

// ---------------------------------------------------------------- forward

EncoderOutput EncoderModel::forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                                    const torch::Tensor& token_type_ids) {
  if (input_ids.dim() != 2) throw usage_error("encoder input_ids must be [B, T], got " + c10::str(input_ids.sizes()));
  const auto same_shape = [&](const torch::Tensor& t, const char* what) {
    if (t.defined() && t.sizes() != input_ids.sizes())
      throw usage_error(std::string("encoder ") + what + " must have the shape of input_ids " + c10::str(input_ids.sizes()));
  };
  same_shape(attention_mask, "attention_mask");
  same_shape(token_type_ids, "token_type_ids");
  const torch::Tensor ids = input_ids.to(device(), torch::kLong);
  const torch::Tensor mask = attention_mask.defined() ? attention_mask.to(device(), torch::kLong) : torch::ones_like(ids);
  const torch::Tensor types = token_type_ids.defined() ? token_type_ids.to(device(), torch::kLong) : torch::zeros_like(ids);

  EncoderOutput out;
  const torch::Tensor h = embed(ids, mask, types);  // [B, T, D]
  out.last_hidden_state = config_.family == EncoderFamily::DebertaV2 ? deberta_encoder(h, mask) : bert_encoder(h, mask);
  heads(out);
  return out;
}

// Absolute positions: 0..T-1 (BERT); RoBERTa counts non-padding tokens from padding_idx + 1 and
// gives padding padding_idx (create_position_ids_from_input_ids, modeling_roberta.py).
torch::Tensor EncoderModel::position_ids(const torch::Tensor& input_ids) const {
  const int64_t T = input_ids.size(1);
  torch::Tensor positions;
  if (config_.family == EncoderFamily::Roberta) {
    const torch::Tensor not_pad = input_ids.ne(config_.pad_token_id).to(torch::kLong);  // [B, T]
    positions = torch::cumsum(not_pad, 1) * not_pad + config_.pad_token_id;
  } else {
    positions = torch::arange(T, input_ids.options()).unsqueeze(0);  // [1, T]
  }
  if (T > 0 && positions.max().item<int64_t>() >= config_.max_position_embeddings)
    throw usage_error("encoder input of " + std::to_string(T) + " tokens is longer than max_position_embeddings (" +
                      std::to_string(config_.max_position_embeddings) + ") allows");
  return positions;
}

// word (+ token type) (+ position) -> LayerNorm; DeBERTa projects narrower embeddings and zeroes
// padding positions (DebertaV2Embeddings).
torch::Tensor EncoderModel::embed(const torch::Tensor& input_ids, const torch::Tensor& mask,
                                  const torch::Tensor& token_type_ids) const {
  torch::Tensor e = torch::embedding(word_embeddings_, input_ids);  // [B, T, E]
  const bool deberta = config_.family == EncoderFamily::DebertaV2;
  if (deberta && position_embeddings_.defined()) e = e + torch::embedding(position_embeddings_, position_ids(input_ids));
  if (token_type_embeddings_.defined()) e = e + torch::embedding(token_type_embeddings_, token_type_ids);
  if (!deberta) e = e + torch::embedding(position_embeddings_, position_ids(input_ids));
  if (embed_proj_.weight.defined()) e = embed_proj_(e);
  e = embed_norm_(e);  // [B, T, D]
  if (deberta) e = e * mask.unsqueeze(-1).to(e.scalar_type());
  return e;
}

torch::Tensor EncoderModel::activation(const std::string& name, const torch::Tensor& x) const {
  if (name == "gelu") return torch::gelu(x);
  if (name == "gelu_new" || name == "gelu_pytorch_tanh") return torch::gelu(x, "tanh");
  if (name == "relu") return torch::relu(x);
  if (name == "silu" || name == "swish") return torch::silu(x);
  return torch::tanh(x);  // "tanh"; the constructor admits nothing else
}

torch::Tensor EncoderModel::split_heads(const torch::Tensor& x) const {
  return x.view({x.size(0), x.size(1), config_.num_heads, config_.head_dim}).transpose(1, 2);
}

torch::Tensor EncoderModel::merge_heads(const torch::Tensor& x) const {
  return x.transpose(1, 2).reshape({x.size(0), x.size(2), config_.num_heads * config_.head_dim});
}

// Post-norm feed-forward: LayerNorm(attended + output(act(intermediate(attended)))).
torch::Tensor EncoderModel::feed_forward(const Layer& layer, const torch::Tensor& attended) const {
  return layer.output_norm(layer.output(activation(config_.hidden_act, layer.intermediate(attended))) + attended);
}

// softmax(q k^T / sqrt(d) + bias) v, then LayerNorm(h + dense(context)) (BertSelfAttention,
// BertSelfOutput). Scores are softmaxed in float32.
torch::Tensor EncoderModel::bert_layer(const Layer& layer, const torch::Tensor& h, const torch::Tensor& bias) const {
  const torch::Tensor q = split_heads(layer.query(h)), k = split_heads(layer.key(h)), v = split_heads(layer.value(h));
  const double scaling = 1.0 / std::sqrt(static_cast<double>(config_.head_dim));
  const torch::Tensor scores = torch::matmul(q, k.transpose(-1, -2)) * scaling;            // [B, H, T, T]
  const torch::Tensor probs = torch::softmax(scores.to(torch::kFloat) + bias, -1).to(v.scalar_type());
  const torch::Tensor context = merge_heads(torch::matmul(probs, v));                      // [B, T, D]
  return feed_forward(layer, layer.attention_norm(layer.attention_out(context) + h));
}

// Padding keys get the lowest float added (the extended attention mask of modeling_bert.py).
torch::Tensor EncoderModel::bert_encoder(torch::Tensor h, const torch::Tensor& mask) const {
  const torch::Tensor bias = (1 - mask.to(torch::kFloat)) * std::numeric_limits<float>::lowest();  // [B, T]
  const torch::Tensor key_bias = bias.view({mask.size(0), 1, 1, mask.size(1)});                  // [B, 1, 1, T]
  for (const Layer& layer : layers_) h = bert_layer(layer, h, key_bias);
  return h;
}

void EncoderModel::heads(EncoderOutput& out) const {
  const torch::Tensor first = out.last_hidden_state.select(1, 0);  // [B, D]: [CLS] / <s>
  switch (config_.family) {
    case EncoderFamily::Bert:
    case EncoderFamily::Roberta:
      if (has_pooler()) out.pooler_output = torch::tanh(pooler_(first));
      if (!has_classifier()) break;
      out.logits = config_.family == EncoderFamily::Bert ? classifier_(out.pooler_output)
                                                         : classifier_(torch::tanh(head_dense_(first)));
      break;
    case EncoderFamily::DebertaV2:
      if (has_pooler()) out.pooler_output = activation(config_.pooler_hidden_act, pooler_(first));
      if (has_classifier()) out.logits = classifier_(out.pooler_output);
      break;
  }
}

// ---------------------------------------------------------------- loading and pooling

std::shared_ptr<EncoderModel> load_encoder(const std::string& path, torch::Device device, torch::Dtype dtype) {
  const CheckpointFiles files = read_hf_folder(path);
  EncoderConfig config = EncoderConfig::from_config(files.config, path + "/config.json");
  const bool single = std::filesystem::exists(path + "/model.safetensors");
  const std::string weights = path + (single ? "/model.safetensors" : "/model.safetensors.index.json");
  auto model = std::make_shared<EncoderModel>(std::move(config), files.weights, weights, dtype);
  model->to(device);
  model->eval();
  return model;
}

torch::Tensor mean_pooled_normalized(const torch::Tensor& last_hidden_state, const torch::Tensor& attention_mask) {
  const torch::Tensor mask = attention_mask.to(last_hidden_state.device(), last_hidden_state.scalar_type()).unsqueeze(-1);  // [B, T, 1]
  const torch::Tensor sum = (last_hidden_state * mask).sum(1);                  // [B, D]
  const torch::Tensor count = mask.sum(1).clamp_min(1e-9);                      // [B, 1]
  return torch::nn::functional::normalize(sum / count, torch::nn::functional::NormalizeFuncOptions().p(2).dim(1));
}

}  // namespace llmedit
