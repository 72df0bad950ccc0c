// Puts back the weights an edit changed from a copy taken before it: how the edit job measures
// each request alone and the temporal job starts every case from the unedited model.
#pragma once
#include <torch/types.h>

#include <map>
#include <string>

#include "libllmedit/methods_api/editor.h"

namespace llmedit {

class CausalLM;

class WeightRestorer {
 public:
  explicit WeightRestorer(const CausalLM& model);  // copies every weight
  // Restores the weights named in the outcome's deltas.
  void restore(CausalLM& model, const EditOutcome& outcome) const;

 private:
  std::map<std::string, torch::Tensor> saved_;
};

}  // namespace llmedit
