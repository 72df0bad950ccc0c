// Hyperparameters of the editing references, per architecture, and their scaling to models the
// references do not cover. Sources: ROME (kmeng01/rome hparams/ROME/gpt2-xl.json, EleutherAI_gpt-j-6B
// .json), MEMIT (kmeng01/memit hparams/MEMIT/gpt2-xl.json, EleutherAI_gpt-j-6B.json) and EasyEdit's
// Llama-2-7B files (hparams/ROME/llama-7b.yaml, MEMIT/llama-7b.yaml, FT/llama-7b.yaml).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "libllmedit/model/arch_spec.h"

namespace llmedit::edit {

struct ArchEditDefaults {
  std::string source;              // which reference the numbers come from
  int64_t reference_layers = 0;    // depth of the reference model
  std::vector<int64_t> rome_layers, memit_layers;
  int64_t v_num_grad_steps = 20;
  double v_weight_decay = 0.5;
  double rome_clamp_norm_factor = 4.0, memit_clamp_norm_factor = 0.75;
  double mom2_update_weight = 20000;  // MEMIT's λ
};

ArchEditDefaults reference_defaults(const ArchSpec& spec);

// Reference layers mapped to a model with `num_layers` blocks: round(l · L / L_ref), kept
// below the last block (the value must still pass through later layers), duplicates dropped.
std::vector<int64_t> scale_layers(const std::vector<int64_t>& layers, int64_t reference_layers, int64_t num_layers);

}  // namespace llmedit::edit
