// Rotary position embeddings: frequencies (with Llama-3 / linear scaling) and their application
// in the two layouts, split halves (Llama, "rotate_half") and interleaved pairs (GPT-J).
#pragma once
#include <torch/types.h>

#include "libllmedit/model/arch_spec.h"

namespace llmedit {

// [rotary_dim / 2] float32 inverse frequencies, scaled as the spec's rope_scaling says.
torch::Tensor rope_inverse_frequencies(const ArchSpec& spec);

// cos and sin for positions [B, T], laid out for spec.positions: [B, T, rotary_dim] each.
std::pair<torch::Tensor, torch::Tensor> rope_cos_sin(const ArchSpec& spec, const torch::Tensor& inv_freq,
                                                     const torch::Tensor& positions, torch::Dtype dtype);

// x: [B, T, H, head_dim]; rotates the first rotary_dim features of every head.
torch::Tensor apply_rope(const ArchSpec& spec, const torch::Tensor& x, const torch::Tensor& cos,
                         const torch::Tensor& sin);

}  // namespace llmedit
