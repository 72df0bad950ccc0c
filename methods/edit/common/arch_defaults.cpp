#include "methods/edit/common/arch_defaults.h"

#include <algorithm>
#include <cmath>

namespace llmedit::edit {

ArchEditDefaults reference_defaults(const ArchSpec& spec) {
  ArchEditDefaults d;
  switch (spec.family) {
    case ArchFamily::GPT2:  // GPT-2 XL, 48 layers
      d.source = "ROME/MEMIT gpt2-xl";
      d.reference_layers = 48;
      d.rome_layers = {17};
      d.memit_layers = {13, 14, 15, 16, 17};
      d.v_num_grad_steps = 20;
      d.v_weight_decay = 0.5;
      d.memit_clamp_norm_factor = 0.75;
      d.mom2_update_weight = 20000;
      break;
    case ArchFamily::GPTJ:  // GPT-J 6B, 28 layers
      d.source = "ROME/MEMIT EleutherAI_gpt-j-6B";
      d.reference_layers = 28;
      d.rome_layers = {5};
      d.memit_layers = {3, 4, 5, 6, 7, 8};
      d.v_num_grad_steps = 20;
      d.v_weight_decay = 0.5;
      d.memit_clamp_norm_factor = 0.75;
      d.mom2_update_weight = 15000;
      break;
    case ArchFamily::Llama:
    case ArchFamily::Mistral:
    case ArchFamily::Qwen2:  // EasyEdit's Llama-2-7B, 32 layers
      d.source = "EasyEdit llama-7b";
      d.reference_layers = 32;
      d.rome_layers = {5};
      d.memit_layers = {4, 5, 6, 7, 8};
      d.v_num_grad_steps = 25;
      d.v_weight_decay = 1e-3;
      d.memit_clamp_norm_factor = 4.0;
      d.mom2_update_weight = 15000;
      break;
  }
  if (spec.num_layers != d.reference_layers) {
    d.rome_layers = scale_layers(d.rome_layers, d.reference_layers, spec.num_layers);
    d.memit_layers = scale_layers(d.memit_layers, d.reference_layers, spec.num_layers);
    d.source += " scaled from " + std::to_string(d.reference_layers) + " to " + std::to_string(spec.num_layers) + " layers";
  }
  return d;
}

std::vector<int64_t> scale_layers(const std::vector<int64_t>& layers, int64_t reference_layers, int64_t num_layers) {
  std::vector<int64_t> out;
  const int64_t highest = std::max<int64_t>(0, num_layers - 2);
  for (int64_t l : layers) {
    const auto scaled = static_cast<int64_t>(
        std::lround(static_cast<double>(l) * static_cast<double>(num_layers) / static_cast<double>(reference_layers)));
    const int64_t kept = std::clamp<int64_t>(scaled, 0, highest);
    if (std::find(out.begin(), out.end(), kept) == out.end()) out.push_back(kept);
  }
  return out;
}

}  // namespace llmedit::edit
