// Puts back the weights an edit changed from a copy taken before it: how the edit job measures
// each request alone and the temporal job starts every case from the unedited model.
#pragma once
#include <torch/types.h>

#include <map>
#include <string>
#include <vector>

#include "libllmedit/methods_api/editor.h"

namespace llmedit {

class CausalLM;

class WeightRestorer {
 public:
  // Copies the named weights (an editor's edited_weights), or every weight when `names` is empty.
  explicit WeightRestorer(const CausalLM& model, const std::vector<std::string>& names = {});
  // Restores the weights named in the outcome's deltas; an internal error if one was not copied.
  void restore(CausalLM& model, const EditOutcome& outcome) const;
  size_t copied_weights() const { return saved_.size(); }
  int64_t copied_bytes() const;

 private:
  std::map<std::string, torch::Tensor> saved_;
};

}  // namespace llmedit
