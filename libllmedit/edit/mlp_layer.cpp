#include "libllmedit/edit/mlp_layer.h"

#include <torch/torch.h>

#include <memory>

#include "libllmedit/core/error.h"
#include "libllmedit/edit/edit_tokens.h"
#include "libllmedit/model/causal_lm.h"
#include "libllmedit/model/weight_names.h"

namespace llmedit {

std::string mlp_out_weight_name(const CausalLM& model, int64_t layer) {
  if (layer < 0 || layer >= model.spec().num_layers)
    throw config_error("layer " + std::to_string(layer) + " is outside the model's 0.." +
                       std::to_string(model.spec().num_layers - 1));
  return layer_weight_names(model.spec().family, layer).down + ".weight";
}

std::vector<std::string> mlp_out_weight_names(const CausalLM& model, const std::vector<int64_t>& layers) {
  std::vector<std::string> names;
  for (int64_t l : layers) names.push_back(mlp_out_weight_name(model, l));
  return names;
}

torch::Tensor mlp_out_weight_out_in(const CausalLM& model, int64_t layer) {
  const torch::Tensor w = model.weight(mlp_out_weight_name(model, layer));
  return model.layer(layer).down.in_out_layout ? w.t() : w;  // [D, F]
}

torch::Tensor add_mlp_out_delta(CausalLM& model, int64_t layer, const torch::Tensor& delta_out_in) {
  torch::NoGradGuard no_grad;
  torch::Tensor w = model.weight(mlp_out_weight_name(model, layer));
  const torch::Tensor stored =
      (model.layer(layer).down.in_out_layout ? delta_out_in.t() : delta_out_in).to(w.device(), w.scalar_type()).contiguous();
  if (stored.sizes() != w.sizes())
    throw Error(ErrorKind::Internal, "update for " + mlp_out_weight_name(model, layer) + " has shape " +
                                         c10::str(stored.sizes()) + ", the weight " + c10::str(w.sizes()));
  w.add_(stored);
  return stored;
}

std::vector<torch::Tensor> activations_at(CausalLM& model, const std::vector<std::vector<int64_t>>& sequences,
                                          const std::vector<int64_t>& positions, const std::vector<std::string>& sites,
                                          int64_t batch_size) {
  torch::NoGradGuard no_grad;
  std::vector<std::vector<torch::Tensor>> parts(sites.size());
  for (size_t begin = 0; begin < sequences.size(); begin += static_cast<size_t>(batch_size)) {
    const size_t end = std::min(sequences.size(), begin + static_cast<size_t>(batch_size));
    const std::vector<std::vector<int64_t>> rows(sequences.begin() + static_cast<int64_t>(begin),
                                                 sequences.begin() + static_cast<int64_t>(end));
    const PaddedIds batch = right_pad(rows);
    std::vector<torch::Tensor> seen(sites.size());
    std::vector<std::unique_ptr<ScopedHook>> hooks;
    for (size_t s = 0; s < sites.size(); ++s)
      hooks.push_back(std::make_unique<ScopedHook>(model.hooks(), sites[s],
                                                   read_hook([&seen, s](const torch::Tensor& x) { seen[s] = x; })));
    ForwardOptions forward;
    forward.attention_mask = batch.mask.to(model.device());
    model.forward(batch.ids.to(model.device()), forward);
    torch::Tensor rows_index = torch::arange(static_cast<int64_t>(end - begin), torch::kLong).to(model.device());
    std::vector<int64_t> pos(positions.begin() + static_cast<int64_t>(begin), positions.begin() + static_cast<int64_t>(end));
    torch::Tensor pos_index = torch::tensor(pos, torch::kLong).to(model.device());
    for (size_t s = 0; s < sites.size(); ++s) {
      if (!seen[s].defined()) throw Error(ErrorKind::Internal, "hook site '" + sites[s] + "' was not reached");
      parts[s].push_back(seen[s].index({rows_index, pos_index}).to(torch::kFloat));  // [b, dim]
    }
  }
  std::vector<torch::Tensor> out;
  for (auto& p : parts) out.push_back(torch::cat(p, 0));
  return out;
}

}  // namespace llmedit
