// The editing interfaces (DESIGN.md §4): declared here so the registry has room for them; the
// methods (methods/edit, methods/temporal) arrive with their issues.
#pragma once
#include <torch/types.h>

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

namespace llmedit {

class CausalLM;        // libllmedit/model/causal_lm.h
class Tokenizer;       // libllmedit/tokenizer/tokenizer.h
class InterruptGuard;  // libllmedit/core/interrupt.h

// One fact edit: `prompt` holds "{}" where the subject goes.
struct EditRequest {
  std::string prompt, subject, target_new, target_true;
};

struct EditInputs {
  CausalLM* model = nullptr;
  const Tokenizer* tokenizer = nullptr;
  const std::vector<EditRequest>* requests = nullptr;
  const InterruptGuard* interrupt = nullptr;
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
};

// A temporal edit (AToKe): a newer fact for a subject whose older facts keep their time spans.
struct TemporalFact {
  std::string subject, relation, object, since, until;
};

struct TemporalCase {
  std::vector<TemporalFact> history;  // what the model knows (C_m) and the newer facts, oldest first
};

class TemporalEditor {
 public:
  virtual ~TemporalEditor() = default;
  virtual nlohmann::json options_json() const = 0;
  virtual EditOutcome edit(CausalLM& model, const Tokenizer& tokenizer, const std::vector<TemporalCase>& cases) = 0;
};

}  // namespace llmedit
