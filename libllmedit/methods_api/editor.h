// The editing interfaces (DESIGN.md §4). An editor gets the model, the tokenizer, the requests
// (CounterFact layout, libllmedit/data/counterfact.h) and where its key statistics live; it
// changes the model's weights in place and returns what it changed. Like the unlearner it never
// reads config files: its typed options come from its factory in the MethodRegistry.
#pragma once
#include <torch/types.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace llmedit {

class CausalLM;        // libllmedit/model/causal_lm.h
class Tokenizer;       // libllmedit/tokenizer/tokenizer.h
class InterruptGuard;  // libllmedit/core/interrupt.h
struct EditRequest;    // libllmedit/data/counterfact.h: prompt with "{}", subject, target_new, target_true
struct AtokeCase;      // libllmedit/data/atoke.h

// Which model the edit starts from, so an editor can find the key statistics computed for it
// (libllmedit/edit/key_statistics.h) and name the `llmedit stats` command when they are missing.
struct EditModelInfo {
  std::string path;        // model.path, as the stats command takes it
  std::string dtype;       // model.dtype
  std::string weights_hash;  // of the unedited weights (model_weights_hash)
};

struct EditInputs {
  CausalLM* model = nullptr;
  const Tokenizer* tokenizer = nullptr;
  const std::vector<EditRequest>* requests = nullptr;
  const InterruptGuard* interrupt = nullptr;
  EditModelInfo model_info;
  // A folder for what an editor caches with the run (ROME's sampled context prefixes); "" keeps
  // nothing.
  std::string cache_dir;
  uint64_t seed = 0;
  bool progress = true;
  // Requests that share a subject get one target value (ROME's v*, MEMIT's z) optimized over all
  // of their targets, as METO asks: they share the subject's key, so separate values would fight
  // over one key. Editors without a per-subject value (fine-tuning) ignore it.
  bool share_subject_value = false;
  std::function<void(const nlohmann::json&)> log;  // may be empty
};

struct EditOutcome {
  // Each changed weight's new value minus its old one, by Hugging Face name.
  std::vector<std::pair<std::string, torch::Tensor>> deltas;
  std::vector<nlohmann::json> log;
};

class Editor {
 public:
  virtual ~Editor() = default;
  virtual nlohmann::json options_json() const = 0;
  // Applies every request to the model in place.
  virtual EditOutcome edit(const EditInputs& inputs) = 0;
  // The weights edit() may change on this model, by Hugging Face name, so that a caller undoing
  // edits (WeightRestorer) copies only those, not the whole model. Empty: not known, copy all.
  virtual std::vector<std::string> edited_weights(const CausalLM& model) const {
    (void)model;
    return {};
  }
};

// A temporal edit (AToKe, DESIGN.md §4): one step of a case, applied by a temporal method that
// wraps an editor. The job applies a case's steps in order and restores the weights between cases.
struct TemporalEditInputs {
  EditInputs edit;  // model, tokenizer, ...; `requests` is the temporal method's to fill
  Editor* editor = nullptr;  // the editor it wraps (ft_l, ft_m, rome, memit)
  const AtokeCase* atoke_case = nullptr;
  size_t step = 0;
  // What the unedited model answers for the case's current interval (METO's model-time fact),
  // found by the job by querying the model before the case's first edit.
  std::string model_time_object;
};

class TemporalEditor {
 public:
  virtual ~TemporalEditor() = default;
  virtual nlohmann::json options_json() const = 0;
  // Applies step `inputs.step` of the case to the model in place, through `inputs.editor`.
  virtual EditOutcome edit(const TemporalEditInputs& inputs) = 0;
};

}  // namespace llmedit
