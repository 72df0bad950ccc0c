#include "libllmedit/model/hooks.h"

#include <torch/torch.h>

#include "libllmedit/core/error.h"

namespace llmedit {

std::string layer_site(int64_t layer, const char* name) {
  return "layers." + std::to_string(layer) + "." + name;
}

HookSet::Handle HookSet::add(const std::string& site, HookFn fn) {
  const Handle handle = next_++;
  sites_[site].push_back({handle, std::move(fn)});
  ++count_;
  return handle;
}

void HookSet::remove(Handle handle) {
  for (auto& [site, entries] : sites_) {
    for (auto it = entries.begin(); it != entries.end(); ++it) {
      if (it->handle != handle) continue;
      entries.erase(it);
      --count_;
      return;
    }
  }
}

void HookSet::clear() {
  sites_.clear();
  count_ = 0;
}

bool HookSet::has(const std::string& site) const {
  auto it = sites_.find(site);
  return it != sites_.end() && !it->second.empty();
}

torch::Tensor HookSet::apply(const std::string& site, torch::Tensor activation) const {
  auto it = sites_.find(site);
  if (it == sites_.end()) return activation;
  for (const Entry& entry : it->second) {
    torch::Tensor replaced = entry.fn(activation);
    if (replaced.defined()) {
      if (replaced.sizes() != activation.sizes())
        throw Error(ErrorKind::Internal, "hook at '" + site + "' returned shape " + c10::str(replaced.sizes()) +
                                             " for an activation of shape " + c10::str(activation.sizes()));
      activation = replaced;
    }
  }
  return activation;
}

HookFn read_hook(std::function<void(const torch::Tensor&)> sink) {
  return [sink = std::move(sink)](const torch::Tensor& x) {
    sink(x.detach());
    return torch::Tensor();
  };
}

HookFn add_at_positions_hook(std::vector<int64_t> positions, torch::Tensor delta) {
  if (delta.dim() == 2 && delta.size(0) != static_cast<int64_t>(positions.size()))
    throw Error(ErrorKind::Internal, "add_at_positions_hook: delta has " + std::to_string(delta.size(0)) +
                                         " rows for " + std::to_string(positions.size()) + " positions");
  return [positions = std::move(positions), delta = std::move(delta)](const torch::Tensor& x) {
    // x: [B, T, D]. Positions outside this forward's T (e.g. a later decode step) are skipped.
    const int64_t T = x.size(1);
    std::vector<int64_t> time_index, delta_index;
    for (size_t k = 0; k < positions.size(); ++k) {
      const int64_t t = positions[k] < 0 ? T + positions[k] : positions[k];
      if (t < 0 || t >= T) continue;
      time_index.push_back(t);
      delta_index.push_back(static_cast<int64_t>(k));
    }
    if (time_index.empty()) return torch::Tensor();
    auto options = torch::dtype(torch::kLong).device(x.device());
    torch::Tensor d = delta.to(x.device(), x.scalar_type());  // [D] or [P, D]
    d = d.dim() == 1 ? d.unsqueeze(0).expand({static_cast<int64_t>(time_index.size()), x.size(2)})
                     : d.index_select(0, torch::tensor(delta_index, options));
    // Out of place, so autograd sees the delta (ROME and MEMIT optimize it).
    return x.index_add(1, torch::tensor(time_index, options), d.unsqueeze(0).expand({x.size(0), -1, -1}));
  };
}

}  // namespace llmedit
