// The unlearning method interface (DESIGN.md §4). A method gets a model (with its LoRA adapter
// when one is attached), the prompt format, the forget and retain QA items and its own typed
// options; it trains and returns what it changed plus its training log. It never loads files or
// parses JSON: the job does that, and the method's factory (MethodRegistry) fills its options.
//
// methods_api sits beside model/ and data/ in the dependency order, so the types a method
// receives are only named here (declared, not included).
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
class LoraAdapter;     // libllmedit/model/lora.h
class QACollator;      // libllmedit/train/qa_collator.h
struct QAItem;         // libllmedit/data/qa_dataset.h
class InterruptGuard;  // libllmedit/core/interrupt.h

// What the job lends a method's training loop: where checkpoints go (resume continues from the
// newest one there), where each logged step goes, and Ctrl-C.
struct MethodHooks {
  std::string checkpoint_dir;  // "" disables checkpoints and resume
  std::function<void(const nlohmann::json&)> log;
  const InterruptGuard* interrupt = nullptr;
  bool progress = true;  // a progress bar on stderr
};

struct UnlearnInputs {
  CausalLM* model = nullptr;
  // The attached adapter: only its tensors train, and disabling it gives the reference model.
  // Null: full fine-tuning, every weight of `model` trains.
  LoraAdapter* adapter = nullptr;
  const QACollator* collator = nullptr;  // prompt format and tokenizer, as in training
  const std::vector<QAItem>* forget = nullptr;
  const std::vector<QAItem>* retain = nullptr;  // may be empty for methods without a retain term
  MethodHooks hooks;
};

struct UnlearnOutcome {
  // The tensors the method trained, by name (PEFT names for an adapter, Hugging Face names for
  // full fine-tuning), as detached views of the live weights.
  std::vector<std::pair<std::string, torch::Tensor>> changed;
  std::vector<nlohmann::json> log;  // every logged step, as also sent to hooks.log
  int64_t steps = 0;                // optimizer steps done, counting any resumed ones
  int64_t resumed_from = 0;         // the checkpoint's step, 0 for a fresh start
  double final_loss = 0;
  double seconds = 0;
  bool interrupted = false;  // stopped by Ctrl-C with a checkpoint saved
};

class Unlearner {
 public:
  virtual ~Unlearner() = default;
  // The typed options it runs with, as JSON: logged at start and written into the run folder.
  virtual nlohmann::json options_json() const = 0;
  // Trains the model in place. Throws a config error when the inputs do not suit the method
  // (e.g. a retain term with no retain items).
  virtual UnlearnOutcome unlearn(const UnlearnInputs& inputs) = 0;
};

}  // namespace llmedit
