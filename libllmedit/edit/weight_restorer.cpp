#include "libllmedit/edit/weight_restorer.h"

#include <torch/torch.h>

#include "libllmedit/model/causal_lm.h"

namespace llmedit {

WeightRestorer::WeightRestorer(const CausalLM& model) {
  for (const auto& [name, w] : model.named_weights()) saved_[name] = w.detach().clone();
}

void WeightRestorer::restore(CausalLM& model, const EditOutcome& outcome) const {
  torch::NoGradGuard no_grad;
  for (const auto& [name, delta] : outcome.deltas) model.weight(name).copy_(saved_.at(name));
}

}  // namespace llmedit
