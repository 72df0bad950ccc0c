#include "libllmedit/model/weight_names.h"

namespace llmedit {

namespace {

bool is_gpt(ArchFamily family) { return family == ArchFamily::GPT2 || family == ArchFamily::GPTJ; }

}  // namespace

ModelWeightNames model_weight_names(ArchFamily family) {
  if (family == ArchFamily::GPT2) return {"transformer.wte", "transformer.wpe", "transformer.ln_f", "lm_head"};
  if (family == ArchFamily::GPTJ) return {"transformer.wte", "", "transformer.ln_f", "lm_head"};
  return {"model.embed_tokens", "", "model.norm", "lm_head"};
}

LayerWeightNames layer_weight_names(ArchFamily family, int64_t layer) {
  LayerWeightNames n;
  const std::string i = std::to_string(layer);
  if (family == ArchFamily::GPT2) {
    const std::string p = "transformer.h." + i + ".";
    n.attn_norm = p + "ln_1";
    n.mlp_norm = p + "ln_2";
    n.qkv = p + "attn.c_attn";
    n.o = p + "attn.c_proj";
    n.up = p + "mlp.c_fc";
    n.down = p + "mlp.c_proj";
  } else if (family == ArchFamily::GPTJ) {
    const std::string p = "transformer.h." + i + ".";
    n.attn_norm = p + "ln_1";
    n.q = p + "attn.q_proj";
    n.k = p + "attn.k_proj";
    n.v = p + "attn.v_proj";
    n.o = p + "attn.out_proj";
    n.up = p + "mlp.fc_in";
    n.down = p + "mlp.fc_out";
  } else {
    const std::string p = "model.layers." + i + ".";
    n.attn_norm = p + "input_layernorm";
    n.mlp_norm = p + "post_attention_layernorm";
    n.q = p + "self_attn.q_proj";
    n.k = p + "self_attn.k_proj";
    n.v = p + "self_attn.v_proj";
    n.o = p + "self_attn.o_proj";
    n.gate = p + "mlp.gate_proj";
    n.up = p + "mlp.up_proj";
    n.down = p + "mlp.down_proj";
  }
  return n;
}

std::string canonical_weight_name(ArchFamily family, const std::string& name) {
  if (!is_gpt(family) || name.rfind("transformer.", 0) == 0 || name.rfind("lm_head.", 0) == 0) return name;
  return "transformer." + name;
}

}  // namespace llmedit
