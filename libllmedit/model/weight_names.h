// Hugging Face weight names of each family, so checkpoints map one-to-one onto CausalLM.
#pragma once
#include <cstdint>
#include <string>

#include "libllmedit/model/arch_spec.h"

namespace llmedit {

// Module prefixes (without ".weight"/".bias"); empty when the family has no such module.
struct LayerWeightNames {
  std::string attn_norm, mlp_norm;
  std::string q, k, v, qkv, o;
  std::string gate, up, down;
};

struct ModelWeightNames {
  std::string embed, position_embed, final_norm, lm_head;
};

ModelWeightNames model_weight_names(ArchFamily family);
LayerWeightNames layer_weight_names(ArchFamily family, int64_t layer);

// Older GPT-2/GPT-J checkpoints omit the "transformer." prefix; returns the canonical name.
std::string canonical_weight_name(ArchFamily family, const std::string& name);

}  // namespace llmedit
