#include "libllmedit/probe/hidden_states.h"

#include <torch/torch.h>

#include <algorithm>
#include <map>

#include "libllmedit/core/error.h"
#include "libllmedit/model/hooks.h"

namespace llmedit {

const std::vector<std::string>& layer_site_names() {
  static const std::vector<std::string> names = {"input",  "attn.output",        "mlp.input",
                                                 "mlp.out_proj.input", "mlp.output", "output"};
  return names;
}

std::vector<int64_t> resolve_layers(const CausalLM& model, const std::vector<int64_t>& layers) {
  const int64_t count = model.spec().num_layers;
  std::vector<int64_t> out = layers;
  if (out.empty())
    for (int64_t i = 0; i < count; ++i) out.push_back(i);
  for (int64_t layer : out)
    if (layer < 0 || layer >= count)
      throw config_error("probe layer " + std::to_string(layer) + " is outside the model's 0.." +
                         std::to_string(count - 1));
  return out;
}

namespace {

struct PaddedBatch {
  torch::Tensor ids, mask;  // [B, T] int64, left-padded so every prompt ends at T-1
};

PaddedBatch left_pad(const std::vector<std::vector<int64_t>>& prompts, size_t begin, size_t end, int64_t pad_id) {
  size_t t = 0;
  for (size_t i = begin; i < end; ++i) t = std::max(t, prompts[i].size());
  const auto b = static_cast<int64_t>(end - begin);
  std::vector<int64_t> ids(static_cast<size_t>(b) * t, pad_id), mask(static_cast<size_t>(b) * t, 0);
  for (size_t i = begin; i < end; ++i) {
    const size_t offset = (i - begin) * t + t - prompts[i].size();
    std::copy(prompts[i].begin(), prompts[i].end(), ids.begin() + static_cast<std::ptrdiff_t>(offset));
    std::fill_n(mask.begin() + static_cast<std::ptrdiff_t>(offset), prompts[i].size(), 1);
  }
  const std::vector<int64_t> shape = {b, static_cast<int64_t>(t)};
  return {torch::tensor(ids, torch::kInt64).view(shape), torch::tensor(mask, torch::kInt64).view(shape)};
}

}  // namespace

std::vector<torch::Tensor> last_token_states(CausalLM& model, const std::vector<std::vector<int64_t>>& prompts,
                                             const HiddenStateOptions& options) {
  const auto& sites = layer_site_names();
  if (std::find(sites.begin(), sites.end(), options.site) == sites.end())
    throw config_error("probe site \"" + options.site +
                       "\" is not a layer hook site (input, attn.output, mlp.input, mlp.out_proj.input, mlp.output, "
                       "output)");
  for (size_t i = 0; i < prompts.size(); ++i)
    if (prompts[i].empty()) throw data_error("probe prompt " + std::to_string(i) + " has no tokens");
  const std::vector<int64_t> layers = resolve_layers(model, options.layers);
  std::map<int64_t, std::vector<torch::Tensor>> per_layer;  // layer -> batches of [B, D]
  std::vector<std::unique_ptr<ScopedHook>> hooks;
  for (int64_t layer : layers)
    hooks.push_back(std::make_unique<ScopedHook>(
        model.hooks(), layer_site(layer, options.site.c_str()), read_hook([&per_layer, layer](const torch::Tensor& a) {
          per_layer[layer].push_back(a.select(1, a.size(1) - 1).to(torch::kCPU, torch::kFloat64));  // [B, D]
        })));
  torch::NoGradGuard no_grad;
  const size_t step = static_cast<size_t>(std::max<int64_t>(1, options.batch_size));
  for (size_t begin = 0; begin < prompts.size(); begin += step) {
    const PaddedBatch batch = left_pad(prompts, begin, std::min(prompts.size(), begin + step), options.pad_id);
    ForwardOptions forward;
    forward.attention_mask = batch.mask.to(model.device());
    model.forward(batch.ids.to(model.device()), forward);
  }
  std::vector<torch::Tensor> out;
  for (int64_t layer : layers) out.push_back(torch::cat(per_layer[layer]));
  return out;
}

}  // namespace llmedit
