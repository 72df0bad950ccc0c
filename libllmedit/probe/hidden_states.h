// Reading a model's activations at each prompt's last token, per layer, through its hook sites
// (model/hooks.h): the features every probe is fitted on.
#pragma once
#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "libllmedit/model/causal_lm.h"

namespace llmedit {

// The per-layer part of a hook site name: "input", "attn.output", "mlp.input",
// "mlp.out_proj.input", "mlp.output", "output" (layers.{i}.<name>).
const std::vector<std::string>& layer_site_names();

struct HiddenStateOptions {
  std::string site = "output";   // one of layer_site_names()
  std::vector<int64_t> layers;   // empty: every layer, in order
  int64_t batch_size = 16;       // prompts per forward pass, left-padded
  int64_t pad_id = 0;            // any id: padding is masked out
};

// For each layer of options.layers, the activation at layers.{i}.<site> at the last token of
// every prompt: [N, D] float64 on the CPU (D is the width of that site). Prompts are token ids,
// each non-empty. A config error naming the site or layer when either is unknown.
std::vector<torch::Tensor> last_token_states(CausalLM& model, const std::vector<std::vector<int64_t>>& prompts,
                                             const HiddenStateOptions& options);

// options.layers, or 0..L-1 when it is empty; a config error for a layer outside the model.
std::vector<int64_t> resolve_layers(const CausalLM& model, const std::vector<int64_t>& layers);

}  // namespace llmedit
