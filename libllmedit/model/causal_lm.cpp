#include "libllmedit/model/causal_lm.h"

#include <spdlog/spdlog.h>
#include <torch/version.h>

#include <cmath>
#include <limits>
#include <optional>
#include <unordered_set>

#include "libllmedit/core/error.h"
#include "libllmedit/model/lora.h"
#include "libllmedit/model/rope.h"
#include "libllmedit/model/weight_names.h"

namespace llmedit {

namespace {

using Shape = std::vector<int64_t>;

// Tensors some checkpoints carry that are not weights (causal-mask buffers, cached frequencies).
bool is_known_buffer(const std::string& name) {
  auto ends_with = [&](const std::string& suffix) {
    return name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  return ends_with(".attn.bias") || ends_with(".attn.masked_bias") || ends_with("rotary_emb.inv_freq");
}

// LibTorch parameter names cannot contain dots.
std::string parameter_key(const std::string& hf_name) {
  std::string key = hf_name;
  for (char& c : key)
    if (c == '.') c = '_';
  return key;
}

torch::Tensor activate(Activation activation, const torch::Tensor& x) {
  switch (activation) {
    case Activation::SiLU: return torch::silu(x);
    case Activation::GeluTanh: return torch::gelu(x, "tanh");
    case Activation::Gelu: return torch::gelu(x);
    case Activation::ReLU: return torch::relu(x);
  }
  return x;
}

// Positions as Hugging Face's generate derives them: cumsum of the mask - 1, padding at 1.
torch::Tensor default_positions(const torch::Tensor& mask, int64_t past, int64_t T, torch::Device device) {
  if (!mask.defined()) return torch::arange(past, past + T, torch::dtype(torch::kLong).device(device)).unsqueeze(0);
  torch::Tensor m = mask.to(torch::kLong);
  torch::Tensor positions = (m.cumsum(-1) - 1).masked_fill(m == 0, 1);  // [B, T_cache + T]
  return positions.narrow(1, positions.size(1) - T, T);
}

// Additive attention bias [B or 1, 1, T, T_cache + T] in float32: 0 where a query may attend,
// the lowest float elsewhere (finite, so rows of pure padding stay NaN-free, as in transformers).
torch::Tensor attention_bias(const torch::Tensor& mask, int64_t T, int64_t past, int64_t window,
                             torch::Device device) {
  if (T == 1 && !mask.defined() && window == 0) return {};
  auto long_options = torch::dtype(torch::kLong).device(device);
  torch::Tensor query = torch::arange(past, past + T, long_options).unsqueeze(1);  // [T, 1]
  torch::Tensor key = torch::arange(past + T, long_options).unsqueeze(0);          // [1, Tk]
  torch::Tensor allowed = key <= query;                                            // [T, Tk]
  if (window > 0) allowed = allowed.logical_and(key > query - window);
  allowed = allowed.unsqueeze(0);                                                   // [1, T, Tk]
  if (mask.defined()) allowed = allowed.logical_and(mask.to(device).to(torch::kBool).unsqueeze(1));
  torch::Tensor bias = torch::zeros(allowed.sizes(), torch::dtype(torch::kFloat).device(device));
  return bias.masked_fill(allowed.logical_not(), std::numeric_limits<float>::lowest()).unsqueeze(1);
}

// LibTorch 2.5 added grouped-query heads (enable_gqa) to its fused attention.
#define LLMEDIT_FUSED_ATTENTION (TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 5))

// softmax(q k^T * scale + bias) v for q [B, H, T, Dh], k and v [B, Hkv, Tk, Dh]; `causal` says the
// bias is the plain causal mask (no padding, no cache, no window), which the fused kernels apply
// themselves. With the fused kernel (flash / memory-efficient attention on CUDA) the [B, H, T, Tk]
// scores never exist and grouped-query heads share keys without copies; older LibTorch gets the
// explicit product, scores in float32 as transformers' eager attention.
torch::Tensor attend(const torch::Tensor& q, torch::Tensor k, torch::Tensor v, const torch::Tensor& bias, bool causal,
                     double scale) {
  const int64_t H = q.size(1), Hkv = k.size(1);
#if LLMEDIT_FUSED_ATTENTION
  std::optional<torch::Tensor> mask;
  // float32's lowest() overflows to -inf in bf16/fp16, and a fully masked (padding) row would then
  // give NaN; -65504 is finite in every float type and still underflows exp() to 0.
  if (bias.defined() && !causal) mask = bias.clamp_min(-65504.0).to(q.scalar_type());
  return at::scaled_dot_product_attention(q, k, v, mask, 0.0, causal && !mask.has_value(), scale, Hkv != H);
#else
  if (Hkv != H) {  // grouped-query attention: each kv head serves H / Hkv query heads
    k = k.repeat_interleave(H / Hkv, 1);
    v = v.repeat_interleave(H / Hkv, 1);
  }
  torch::Tensor scores = torch::matmul(q, k.transpose(-1, -2)) * scale;  // [B, H, T, Tk]
  if (bias.defined()) scores = scores.to(torch::kFloat) + bias;
  const torch::Tensor probs = torch::softmax(scores, -1, torch::kFloat).to(q.scalar_type());
  return torch::matmul(probs, v);  // [B, H, T, Dh]
#endif
}

}  // namespace

torch::Tensor LinearWeights::float_product(const torch::Tensor& x) const {
  if (!in_out_layout) return torch::linear(x, weight, bias);
  torch::Tensor y = torch::matmul(x, weight);
  return bias.defined() ? y + bias : y;
}

torch::Tensor LinearWeights::operator()(const torch::Tensor& x) const {
  torch::Tensor y = kernel ? kernel->forward(x, *this) : float_product(x);
  return lora && lora->enabled() ? lora->add_delta(x, y) : y;
}

CausalLM::CausalLM(ArchSpec spec, nlohmann::json config, const NamedTensors& weights, const std::string& source,
                   torch::Dtype dtype)
    : spec_(std::move(spec)), config_(std::move(config)), dtype_(dtype) {
  std::unordered_map<std::string, torch::Tensor> given;
  for (const auto& [name, tensor] : weights) given[canonical_weight_name(spec_.family, name)] = tensor;
  std::unordered_set<std::string> used;

  auto take = [&](const std::string& module, const char* suffix, const Shape& shape) {
    const std::string name = module + "." + suffix;
    auto it = given.find(name);
    if (it == given.end()) throw data_error(source + ": missing weight '" + name + "'");
    if (it->second.sizes() != c10::IntArrayRef(shape))
      throw data_error(source + ": weight '" + name + "' has shape " + c10::str(it->second.sizes()) +
                       " but config.json implies " + c10::str(c10::IntArrayRef(shape)));
    used.insert(name);
    torch::Tensor t = register_parameter(parameter_key(name), it->second.to(dtype_).contiguous());
    named_weights_.emplace_back(name, t);
    by_name_[name] = t;
    return t;
  };
  const bool conv1d = spec_.conv1d_weights;
  auto linear = [&](const std::string& module, int64_t in, int64_t out, bool bias) {
    LinearWeights l;
    l.in_out_layout = conv1d;
    l.weight = take(module, "weight", conv1d ? Shape{in, out} : Shape{out, in});
    if (bias) l.bias = take(module, "bias", {out});
    return l;
  };
  const int64_t D = spec_.hidden_size, F = spec_.intermediate_size;
  auto norm = [&](const std::string& module) {
    NormWeights n;
    n.weight = take(module, "weight", {D});
    if (spec_.norm == NormKind::LayerNorm) n.bias = take(module, "bias", {D});
    return n;
  };

  const ModelWeightNames names = model_weight_names(spec_.family);
  embed_ = take(names.embed, "weight", {spec_.vocab_size, D});
  if (spec_.positions == PositionKind::Learned)
    position_embed_ = take(names.position_embed, "weight", {spec_.max_position_embeddings, D});
  const int64_t Q = spec_.num_heads * spec_.head_dim, KV = spec_.num_kv_heads * spec_.head_dim;
  for (int64_t i = 0; i < spec_.num_layers; ++i) {
    const LayerWeightNames n = layer_weight_names(spec_.family, i);
    LayerWeights w;
    w.attn_norm = norm(n.attn_norm);
    if (!spec_.parallel_block) w.mlp_norm = norm(n.mlp_norm);
    if (!n.qkv.empty()) {
      w.qkv = linear(n.qkv, D, 3 * Q, spec_.qkv_bias);
    } else {
      w.q = linear(n.q, D, Q, spec_.qkv_bias);
      w.k = linear(n.k, D, KV, spec_.qkv_bias);
      w.v = linear(n.v, D, KV, spec_.qkv_bias);
    }
    w.o = linear(n.o, Q, D, spec_.o_bias);
    if (spec_.gated_mlp) w.gate = linear(n.gate, D, F, spec_.mlp_bias);
    w.up = linear(n.up, D, F, spec_.mlp_bias);
    w.down = linear(n.down, F, D, spec_.mlp_bias);
    layers_.push_back(w);
  }
  final_norm_ = norm(names.final_norm);
  // As transformers does: tie when the config says so or the checkpoint has no lm_head.
  if (!spec_.tie_word_embeddings && !given.count(names.lm_head + ".weight")) spec_.tie_word_embeddings = true;
  if (spec_.tie_word_embeddings) {
    lm_head_ = embed_;
    used.insert(names.lm_head + ".weight");
  } else {
    lm_head_ = take(names.lm_head, "weight", {spec_.vocab_size, D});
  }
  if (spec_.lm_head_bias) lm_head_bias_ = take(names.lm_head, "bias", {spec_.vocab_size});
  config_["tie_word_embeddings"] = spec_.tie_word_embeddings;
  if (spec_.positions != PositionKind::Learned) inv_freq_ = register_buffer("rope_inv_freq", rope_inverse_frequencies(spec_));

  for (const auto& [name, tensor] : given)
    if (!used.count(name) && !is_known_buffer(name)) spdlog::warn("{}: ignoring unused weight '{}'", source, name);
}

torch::Tensor CausalLM::weight(const std::string& hf_name) const {
  auto it = by_name_.find(canonical_weight_name(spec_.family, hf_name));
  if (it != by_name_.end()) return it->second;
  if (hf_name == "lm_head.weight") return lm_head_;
  throw usage_error("unknown weight '" + hf_name + "' (weights are named as in the Hugging Face checkpoint, e.g. '" +
                    named_weights_.back().first + "')");
}

std::vector<std::pair<std::string, LinearWeights*>> CausalLM::linear_modules() {
  std::vector<std::pair<std::string, LinearWeights*>> out;
  for (int64_t i = 0; i < spec_.num_layers; ++i) {
    const LayerWeightNames n = layer_weight_names(spec_.family, i);
    LayerWeights& w = layers_[static_cast<size_t>(i)];
    const std::pair<const std::string&, LinearWeights&> all[] = {
        {n.q, w.q}, {n.k, w.k}, {n.v, w.v}, {n.qkv, w.qkv}, {n.o, w.o}, {n.gate, w.gate}, {n.up, w.up}, {n.down, w.down}};
    for (const auto& [name, linear] : all)
      if (!name.empty() && linear.weight.defined()) out.emplace_back(name, &linear);
  }
  return out;
}

torch::Tensor CausalLM::apply_hook(const std::string& site, torch::Tensor x) const {
  return hooks_.empty() ? x : hooks_.apply(site, std::move(x));
}

torch::Tensor CausalLM::apply_layer_hook(int64_t layer, const char* name, torch::Tensor x) const {
  return hooks_.empty() ? x : hooks_.apply(layer_site(layer, name), std::move(x));
}

torch::Tensor CausalLM::norm(const NormWeights& w, const torch::Tensor& x) const {
  if (spec_.norm == NormKind::LayerNorm) return torch::layer_norm(x, {x.size(-1)}, w.weight, w.bias, spec_.norm_eps);
  // RMSNorm in float32, cast back before the weight, as transformers' LlamaRMSNorm.
  torch::Tensor x32 = x.to(torch::kFloat);
  torch::Tensor normed = x32 * torch::rsqrt(x32.pow(2).mean(-1, true) + spec_.norm_eps);
  return w.weight * normed.to(x.scalar_type());
}

torch::Tensor CausalLM::attention(int64_t layer, const torch::Tensor& h, const torch::Tensor& cos,
                                  const torch::Tensor& sin, const torch::Tensor& attn_bias, bool causal, KVCache* cache) {
  const LayerWeights& w = layers_[static_cast<size_t>(layer)];
  const int64_t B = h.size(0), T = h.size(1), H = spec_.num_heads, Hkv = spec_.num_kv_heads, Dh = spec_.head_dim;
  torch::Tensor q, k, v;
  if (w.qkv.weight.defined()) {
    std::vector<torch::Tensor> parts = w.qkv(h).split(H * Dh, -1);
    q = parts[0], k = parts[1], v = parts[2];
  } else {
    q = w.q(h), k = w.k(h), v = w.v(h);
  }
  q = q.view({B, T, H, Dh});
  k = k.view({B, T, Hkv, Dh});
  v = v.view({B, T, Hkv, Dh});
  if (spec_.positions != PositionKind::Learned) {
    q = apply_rope(spec_, q, cos, sin);
    k = apply_rope(spec_, k, cos, sin);
  }
  q = q.transpose(1, 2);  // [B, H, T, Dh]
  k = k.transpose(1, 2);  // [B, Hkv, T, Dh]
  v = v.transpose(1, 2);
  if (cache) {
    auto& ck = cache->keys[static_cast<size_t>(layer)];
    auto& cv = cache->values[static_cast<size_t>(layer)];
    if (ck.defined()) {
      k = torch::cat({ck, k}, 2);
      v = torch::cat({cv, v}, 2);
    }
    ck = k;
    cv = v;
  }
  double scale = 1.0 / std::sqrt(static_cast<double>(Dh));
  if (spec_.scale_attn_by_inverse_layer_idx) scale /= static_cast<double>(layer + 1);
  torch::Tensor out = attend(q, k, v, attn_bias, causal, scale).transpose(1, 2).reshape({B, T, H * Dh});
  return w.o(out);
}

torch::Tensor CausalLM::mlp(int64_t layer, const torch::Tensor& h) {
  const LayerWeights& w = layers_[static_cast<size_t>(layer)];
  torch::Tensor inner = spec_.gated_mlp ? activate(spec_.activation, w.gate(h)) * w.up(h)
                                        : activate(spec_.activation, w.up(h));  // [B, T, F]
  inner = apply_layer_hook(layer, "mlp.out_proj.input", inner);
  return apply_layer_hook(layer, "mlp.output", w.down(inner));
}

ForwardOutput CausalLM::forward(const torch::Tensor& input_ids, const ForwardOptions& options) {
  const int64_t T = input_ids.size(1);
  KVCache* cache = options.cache;
  if (cache && cache->keys.empty()) {
    cache->keys.resize(static_cast<size_t>(spec_.num_layers));
    cache->values.resize(static_cast<size_t>(spec_.num_layers));
  }
  const int64_t past = cache ? cache->length() : 0;
  const torch::Device device = embed_.device();
  torch::Tensor ids = input_ids.to(device);
  torch::Tensor positions = options.position_ids.defined() ? options.position_ids.to(device)
                                                           : default_positions(options.attention_mask, past, T, device);
  torch::Tensor bias = attention_bias(options.attention_mask, T, past, spec_.sliding_window, device);
  const bool causal = !options.attention_mask.defined() && past == 0 && spec_.sliding_window == 0;

  torch::Tensor x = torch::embedding(embed_, ids);  // [B, T, D]
  torch::Tensor cos, sin;
  if (spec_.positions == PositionKind::Learned) x = x + torch::embedding(position_embed_, positions);
  else std::tie(cos, sin) = rope_cos_sin(spec_, inv_freq_, positions, dtype_);

  ForwardOutput out;
  for (int64_t i = 0; i < spec_.num_layers; ++i) {
    x = apply_layer_hook(i, "input", x);
    if (options.output_hidden_states) out.hidden_states.push_back(x);
    torch::Tensor h = norm(layers_[static_cast<size_t>(i)].attn_norm, x);
    torch::Tensor a = apply_layer_hook(i, "attn.output", attention(i, h, cos, sin, bias, causal, cache));
    if (spec_.parallel_block) {
      x = x + a + mlp(i, apply_layer_hook(i, "mlp.input", h));
    } else {
      x = x + a;
      x = x + mlp(i, apply_layer_hook(i, "mlp.input", norm(layers_[static_cast<size_t>(i)].mlp_norm, x)));
    }
    x = apply_layer_hook(i, "output", x);
  }
  x = apply_hook("final_norm.output", norm(final_norm_, x));
  if (options.output_hidden_states) out.hidden_states.push_back(x);
  torch::Tensor logits = torch::linear(x, lm_head_, lm_head_bias_);
  out.logits = apply_hook("logits", logits);
  return out;
}

}  // namespace llmedit
