#include "libllmedit/model/init_weights.h"

#include <torch/torch.h>

#include "libllmedit/model/weight_names.h"

namespace llmedit {

NamedTensors init_weights(const ArchSpec& spec, double initializer_range, uint64_t seed) {
  auto generator = at::detail::createCPUGenerator(seed);
  NamedTensors weights;
  auto normal = [&](const std::string& name, std::vector<int64_t> shape) {
    weights.emplace_back(name, at::normal(0.0, initializer_range, shape, generator));
  };
  auto constant = [&](const std::string& name, int64_t size, double value) {
    weights.emplace_back(name, torch::full({size}, value));
  };
  const bool conv1d = spec.conv1d_weights;
  auto linear = [&](const std::string& module, int64_t in, int64_t out, bool bias) {
    if (module.empty()) return;
    normal(module + ".weight", conv1d ? std::vector<int64_t>{in, out} : std::vector<int64_t>{out, in});
    if (bias) constant(module + ".bias", out, 0.0);
  };
  const int64_t D = spec.hidden_size, F = spec.intermediate_size;
  auto norm = [&](const std::string& module) {
    if (module.empty()) return;
    constant(module + ".weight", D, 1.0);
    if (spec.norm == NormKind::LayerNorm) constant(module + ".bias", D, 0.0);
  };
  const ModelWeightNames names = model_weight_names(spec.family);
  normal(names.embed + ".weight", {spec.vocab_size, D});
  if (spec.positions == PositionKind::Learned) normal(names.position_embed + ".weight", {spec.max_position_embeddings, D});
  const int64_t Q = spec.num_heads * spec.head_dim, KV = spec.num_kv_heads * spec.head_dim;
  for (int64_t i = 0; i < spec.num_layers; ++i) {
    const LayerWeightNames n = layer_weight_names(spec.family, i);
    norm(n.attn_norm);
    if (!spec.parallel_block) norm(n.mlp_norm);
    linear(n.qkv, D, 3 * Q, spec.qkv_bias);
    linear(n.q, D, Q, spec.qkv_bias);
    linear(n.k, D, KV, spec.qkv_bias);
    linear(n.v, D, KV, spec.qkv_bias);
    linear(n.o, Q, D, spec.o_bias);
    if (spec.gated_mlp) linear(n.gate, D, F, spec.mlp_bias);
    linear(n.up, D, F, spec.mlp_bias);
    linear(n.down, F, D, spec.mlp_bias);
  }
  norm(names.final_norm);
  if (!spec.tie_word_embeddings) {
    normal(names.lm_head + ".weight", {spec.vocab_size, D});
    if (spec.lm_head_bias) constant(names.lm_head + ".bias", spec.vocab_size, 0.0);
  }
  return weights;
}

}  // namespace llmedit
