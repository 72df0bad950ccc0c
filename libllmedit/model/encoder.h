// Encoder models for evaluation: BERT, RoBERTa and DeBERTa-v2/v3 with their
// sequence-classification heads (NLI), plus sentence-transformers mean pooling (embeddings).
// Loaded from Hugging Face folders; weights keep their Hugging Face names.
#pragma once
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "libllmedit/io/safetensors.h"

namespace llmedit {

enum class EncoderFamily { Bert, Roberta, DebertaV2 };

// What the encoder needs from config.json, with transformers' defaults per model_type.
struct EncoderConfig {
  EncoderFamily family = EncoderFamily::Bert;
  std::string model_type;    // "bert", "roberta", "xlm-roberta", "deberta-v2"
  std::string architecture;  // architectures[0], "" when absent
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t embedding_size = 0;  // DeBERTa may embed narrower and project; else hidden_size
  int64_t num_layers = 0;
  int64_t num_heads = 0;
  int64_t head_dim = 0;
  int64_t intermediate_size = 0;
  int64_t max_position_embeddings = 0;
  int64_t type_vocab_size = 0;  // 0: no token type embeddings
  int64_t pad_token_id = 0;
  double layer_norm_eps = 1e-12;
  std::string hidden_act = "gelu";

  // DeBERTa-v2 (modeling_deberta_v2.py): disentangled relative attention.
  bool position_biased_input = true;  // absolute position embeddings added to the input
  bool relative_attention = false;
  bool c2p = false, p2c = false;      // pos_att_type
  bool share_att_key = false;         // positions projected by the content query/key maps
  bool norm_rel_ebd = false;          // norm_rel_ebd "layer_norm": relative embeddings normalized
  int64_t position_buckets = -1;
  int64_t max_relative_positions = -1;  // resolved: max_position_embeddings when < 1
  int64_t pooler_hidden_size = 0;
  std::string pooler_hidden_act = "gelu";

  std::vector<std::string> id2label;  // label names by id; empty without id2label/num_labels

  // Reads a config.json object; `source` (the file) is named in errors.
  static EncoderConfig from_config(const nlohmann::json& config, const std::string& source);
  // The span of relative positions each side (att_span in modeling_deberta_v2.py).
  int64_t relative_span() const { return position_buckets > 0 ? position_buckets : max_relative_positions; }
};

struct EncoderOutput {
  torch::Tensor last_hidden_state;  // [B, T, D]
  // [B, D]: BERT/RoBERTa pooler (tanh(dense(h[:, 0]))) or DeBERTa's ContextPooler
  // (act(dense(h[:, 0]))); undefined when the checkpoint has none.
  torch::Tensor pooler_output;
  torch::Tensor logits;  // [B, num_labels]; undefined without a classification head
};

class EncoderModel : public torch::nn::Module {
 public:
  // `weights` are named as in the Hugging Face checkpoint; a missing or misshapen weight throws
  // a data error naming `source` and the key. Weights are registered as parameters that do not
  // require gradients (these models are evaluators).
  EncoderModel(EncoderConfig config, const NamedTensors& weights, const std::string& source,
               torch::Dtype dtype = torch::kFloat32);

  // input_ids [B, T]; attention_mask [B, T] (1 token, 0 padding; undefined: no padding);
  // token_type_ids [B, T] (undefined: zeros). Dropout is never applied.
  EncoderOutput forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask = {},
                        const torch::Tensor& token_type_ids = {});

  const EncoderConfig& config() const { return config_; }
  bool has_pooler() const { return pooler_.weight.defined(); }
  bool has_classifier() const { return classifier_.weight.defined(); }
  const std::vector<std::string>& id2label() const { return config_.id2label; }
  // The id of a label by name, ignoring case ("contradiction", "CONTRADICTION"); -1 when absent.
  int64_t label_id(const std::string& name) const;
  torch::Device device() const { return word_embeddings_.device(); }
  torch::Dtype dtype() const { return dtype_; }

 private:
  struct Linear {
    torch::Tensor weight, bias;  // [out, in], [out] (bias may be undefined)
    torch::Tensor operator()(const torch::Tensor& x) const { return torch::linear(x, weight, bias); }
  };
  struct LayerNorm {
    torch::Tensor weight, bias;
    double eps = 1e-12;
    torch::Tensor operator()(const torch::Tensor& x) const;
  };
  struct Layer {
    Linear query, key, value, attention_out, intermediate, output;
    LayerNorm attention_norm, output_norm;
    Linear pos_query, pos_key;  // DeBERTa without share_att_key
  };

  class WeightTaker;
  void load_embeddings(WeightTaker& take, const std::string& prefix);
  void load_layers(WeightTaker& take, const std::string& prefix);
  void load_heads(WeightTaker& take, const std::string& prefix);

  torch::Tensor embed(const torch::Tensor& input_ids, const torch::Tensor& mask, const torch::Tensor& token_type_ids) const;
  torch::Tensor position_ids(const torch::Tensor& input_ids) const;
  torch::Tensor activation(const std::string& name, const torch::Tensor& x) const;
  torch::Tensor split_heads(const torch::Tensor& x) const;  // [B, T, H*d] -> [B, H, T, d]
  torch::Tensor merge_heads(const torch::Tensor& x) const;  // [B, H, T, d] -> [B, T, H*d]
  torch::Tensor feed_forward(const Layer& layer, const torch::Tensor& attended) const;
  torch::Tensor bert_layer(const Layer& layer, const torch::Tensor& h, const torch::Tensor& bias) const;
  torch::Tensor bert_encoder(torch::Tensor h, const torch::Tensor& mask) const;
  void heads(EncoderOutput& out) const;

  // DeBERTa-v2 (encoder_deberta.cpp).
  torch::Tensor deberta_encoder(torch::Tensor h, const torch::Tensor& mask) const;
  torch::Tensor deberta_layer(const Layer& layer, const torch::Tensor& h, const torch::Tensor& mask2d,
                              const torch::Tensor& rel_embeddings, const torch::Tensor& rel_pos) const;
  torch::Tensor disentangled_bias(const Layer& layer, const torch::Tensor& q, const torch::Tensor& k,
                                  const torch::Tensor& rel_embeddings, const torch::Tensor& rel_pos, float scale) const;

  EncoderConfig config_;
  torch::Dtype dtype_;
  torch::Tensor word_embeddings_, position_embeddings_, token_type_embeddings_;
  Linear embed_proj_;  // DeBERTa with embedding_size != hidden_size
  LayerNorm embed_norm_;
  std::vector<Layer> layers_;
  torch::Tensor rel_embeddings_;  // DeBERTa [2 * span, D]
  LayerNorm rel_norm_;
  Linear pooler_;            // BERT/RoBERTa pooler.dense, DeBERTa's ContextPooler dense
  Linear head_dense_;        // RoBERTa classifier.dense
  Linear classifier_;        // classifier (BERT, DeBERTa) or classifier.out_proj (RoBERTa)
};

// Reads config.json + model.safetensors (or a sharded index) of a Hugging Face folder. Throws
// a data error naming the file and key on anything missing or unsupported.
std::shared_ptr<EncoderModel> load_encoder(const std::string& path, torch::Device device = torch::kCPU,
                                           torch::Dtype dtype = torch::kFloat32);

// sentence-transformers' Pooling(mean) + Normalize: the mean of the token states over the
// attention mask, scaled to unit L2 norm. [B, T, D], [B, T] -> [B, D].
torch::Tensor mean_pooled_normalized(const torch::Tensor& last_hidden_state, const torch::Tensor& attention_mask);

}  // namespace llmedit
