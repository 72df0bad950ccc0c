#include "libllmedit/edit/weight_restorer.h"

#include <torch/torch.h>

#include "libllmedit/core/error.h"
#include "libllmedit/model/causal_lm.h"

namespace llmedit {

WeightRestorer::WeightRestorer(const CausalLM& model, const std::vector<std::string>& names) {
  if (names.empty()) {
    for (const auto& [name, w] : model.named_weights()) saved_[name] = w.detach().clone();
    return;
  }
  for (const std::string& name : names) saved_[name] = model.weight(name).detach().clone();
}

int64_t WeightRestorer::copied_bytes() const {
  int64_t bytes = 0;
  for (const auto& [name, w] : saved_) bytes += w.numel() * static_cast<int64_t>(w.element_size());
  return bytes;
}

void WeightRestorer::restore(CausalLM& model, const EditOutcome& outcome) const {
  torch::NoGradGuard no_grad;
  for (const auto& [name, delta] : outcome.deltas) {
    const auto saved = saved_.find(name);
    if (saved == saved_.end())
      throw Error(ErrorKind::Internal, "the edit changed " + name +
                                           ", which its editor's edited_weights() does not name, so it cannot be restored");
    model.weight(name).copy_(saved->second);
  }
}

}  // namespace llmedit
