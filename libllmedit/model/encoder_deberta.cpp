// DeBERTa-v2/v3 disentangled attention (He et al., "DeBERTa: Decoding-enhanced BERT with
// Disentangled Attention", ICLR 2021, eq. 2-4; He et al., "DeBERTaV3", 2021) as transformers'
// modeling_deberta_v2.py computes it: content-to-content scores plus content-to-position (c2p)
// and position-to-content (p2c) scores over log-bucketed relative positions, all divided by
// sqrt(d * (1 + #position terms)).
#include <cmath>
#include <limits>

#include "libllmedit/model/encoder.h"

namespace llmedit {

namespace {

// make_log_bucket_position: relative positions within +-bucket_size/2 stay exact, farther ones
// are log-spaced so that +-max_position lands on +-bucket_size. Float32 as in transformers.
torch::Tensor log_bucket_position(const torch::Tensor& rel, int64_t bucket_size, int64_t max_position) {
  const int64_t mid = bucket_size / 2;
  const torch::Tensor sign = torch::sign(rel);
  const torch::Tensor abs_pos = torch::where((rel < mid) & (rel > -mid), torch::full_like(rel, mid - 1), torch::abs(rel));
  const torch::Tensor log_base = torch::log(torch::tensor(static_cast<float>(static_cast<double>(max_position - 1) / mid)));
  const torch::Tensor ratio = torch::log(abs_pos.to(torch::kFloat) / static_cast<float>(mid)) / log_base;
  const torch::Tensor log_pos = torch::ceil(ratio * static_cast<float>(mid - 1)) + mid;
  return torch::where(abs_pos <= mid, rel.to(torch::kFloat), log_pos * sign);
}

// [T, T]: the (bucketed) relative position q - k of every query/key pair (build_relative_position).
torch::Tensor relative_positions(int64_t T, int64_t bucket_size, int64_t max_position, torch::Device device) {
  const torch::Tensor ids = torch::arange(T, torch::dtype(torch::kLong).device(device));
  torch::Tensor rel = ids.unsqueeze(1) - ids.unsqueeze(0);
  if (bucket_size > 0 && max_position > 0) rel = log_bucket_position(rel, bucket_size, max_position);
  return rel.to(torch::kLong);
}

}  // namespace

torch::Tensor EncoderModel::deberta_encoder(torch::Tensor h, const torch::Tensor& mask) const {
  // [B, 1, T, T]: a pair may attend only when query and key are both tokens (get_attention_mask).
  const torch::Tensor m = mask.to(torch::kBool);
  const torch::Tensor mask2d = m.unsqueeze(1).unsqueeze(2) & m.unsqueeze(1).unsqueeze(3);
  torch::Tensor rel_embeddings, rel_pos;
  if (config_.relative_attention) {
    rel_embeddings = config_.norm_rel_ebd ? rel_norm_(rel_embeddings_) : rel_embeddings_;  // [2S, D]
    rel_pos = relative_positions(h.size(1), config_.position_buckets, config_.max_relative_positions, h.device());
  }
  for (const Layer& layer : layers_) h = deberta_layer(layer, h, mask2d, rel_embeddings, rel_pos);
  return h;
}

torch::Tensor EncoderModel::deberta_layer(const Layer& layer, const torch::Tensor& h, const torch::Tensor& mask2d,
                                          const torch::Tensor& rel_embeddings, const torch::Tensor& rel_pos) const {
  const torch::Tensor q = split_heads(layer.query(h)), k = split_heads(layer.key(h)), v = split_heads(layer.value(h));
  const int64_t factor = 1 + int64_t{config_.c2p} + int64_t{config_.p2c};
  const float scale = std::sqrt(static_cast<float>(config_.head_dim * factor));
  torch::Tensor scores = torch::matmul(q, (k / scale).transpose(-1, -2));  // [B, H, T, T]
  if (config_.relative_attention) scores = scores + disentangled_bias(layer, q, k, rel_embeddings, rel_pos, scale);
  // Masked pairs get the lowest float before the softmax, so a padding query (no allowed key)
  // attends uniformly to all keys, as in transformers; its output is padding anyway.
  scores = scores.to(torch::kFloat).masked_fill(mask2d.logical_not(), std::numeric_limits<float>::lowest());
  const torch::Tensor probs = torch::softmax(scores, -1).to(v.scalar_type());
  const torch::Tensor context = merge_heads(torch::matmul(probs, v));  // [B, T, D]
  return feed_forward(layer, layer.attention_norm(layer.attention_out(context) + h));
}

// c2p[i, j] = q_i . pos_key[bucket(i - j)], p2c[i, j] = k_j . pos_query[bucket(j - i)], with the
// relative embeddings projected by the content maps (share_att_key) or their own.
torch::Tensor EncoderModel::disentangled_bias(const Layer& layer, const torch::Tensor& q, const torch::Tensor& k,
                                              const torch::Tensor& rel_embeddings, const torch::Tensor& rel_pos,
                                              float scale) const {
  const int64_t span = config_.relative_span();
  const std::vector<int64_t> full = {q.size(0), q.size(1), q.size(2), k.size(2)};  // [B, H, T, T]
  const torch::Tensor rel = rel_embeddings.unsqueeze(0);                         // [1, 2S, D]
  torch::Tensor bias;
  if (config_.c2p) {
    const Linear& key_map = config_.share_att_key ? layer.key : layer.pos_key;
    const torch::Tensor pos_key = split_heads(key_map(rel));                          // [1, H, 2S, d]
    const torch::Tensor c2p = torch::matmul(q, pos_key.transpose(-1, -2));            // [B, H, T, 2S]
    const torch::Tensor index = torch::clamp(rel_pos + span, 0, 2 * span - 1).expand(full);
    bias = torch::gather(c2p, -1, index) / scale;
  }
  if (config_.p2c) {
    const Linear& query_map = config_.share_att_key ? layer.query : layer.pos_query;
    const torch::Tensor pos_query = split_heads(query_map(rel));                      // [1, H, 2S, d]
    const torch::Tensor p2c = torch::matmul(k, pos_query.transpose(-1, -2));          // [B, H, T_k, 2S]
    const torch::Tensor index = torch::clamp(-rel_pos + span, 0, 2 * span - 1).expand(full);
    const torch::Tensor term = torch::gather(p2c, -1, index).transpose(-1, -2) / scale;  // [B, H, T_q, T_k]
    bias = bias.defined() ? bias + term : term;
  }
  return bias.defined() ? bias : torch::zeros(full, q.options());
}

}  // namespace llmedit
