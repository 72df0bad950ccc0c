// Reading and rewriting an MLP's output projection, the memory ROME and MEMIT edit: its input is
// the key (hook site layers.{i}.mlp.out_proj.input, [F]) and its output the value (layers.{i}.
// mlp.output, [D]). Updates are computed as [D, F] ("out, in") matrices and added in the weight's
// own layout: nn.Linear stores [out, in], GPT-2's Conv1D [in, out].
#pragma once
#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace llmedit {

class CausalLM;

// "model.layers.5.mlp.down_proj.weight", "transformer.h.5.mlp.c_proj.weight", ...
std::string mlp_out_weight_name(const CausalLM& model, int64_t layer);
std::vector<std::string> mlp_out_weight_names(const CausalLM& model, const std::vector<int64_t>& layers);

// The weight as a [D, F] matrix (a transposed view for Conv1D).
torch::Tensor mlp_out_weight_out_in(const CausalLM& model, int64_t layer);

// W += delta ([D, F]) in place, in the weight's layout and dtype; returns the delta as stored
// (the transpose for Conv1D).
torch::Tensor add_mlp_out_delta(CausalLM& model, int64_t layer, const torch::Tensor& delta_out_in);

// Activations of `sites` at one position per sequence (batched with right padding, no gradient):
// result[s] is [N, dim] float32 on the model's device for site s.
std::vector<torch::Tensor> activations_at(CausalLM& model, const std::vector<std::vector<int64_t>>& sequences,
                                          const std::vector<int64_t>& positions, const std::vector<std::string>& sites,
                                          int64_t batch_size = 32);

}  // namespace llmedit
