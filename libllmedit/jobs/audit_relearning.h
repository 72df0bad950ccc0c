// The audit's relearning part: a few fine-tuning steps on a small slice of the forget set (or on
// unrelated retain items) and the forget set's held-out rest measured again. Unlearning that only
// suppresses answers comes back after a handful of steps on other forget items (Hu et al. 2024,
// "Jogging the memory of unlearned LLMs through targeted relearning attacks"; Lynch et al. 2024,
// "Eight methods to evaluate robust unlearning in LLMs").
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include <nlohmann/json.hpp>

#include "libllmedit/data/qa_dataset.h"
#include "libllmedit/model/causal_lm.h"
#include "libllmedit/train/qa_collator.h"
#include "libllmedit/train/trainer.h"

namespace llmedit {

struct RelearningOptions {
  int64_t steps = 20;         // optimizer steps
  double fraction = 0.1;      // of the forget set used for relearning (at least one item)
  bool on_retain = false;     // relearn on as many retain items instead
  double learning_rate = 3e-4;
  int64_t batch_size = 4;
  uint64_t seed = 0;
};

struct RelearningSplit {
  std::vector<QAItem> train;     // what the model is fine-tuned on
  std::vector<QAItem> held_out;  // the forget items not trained on: measured before and after
};

// A seeded choice of round(fraction · |forget|) forget items (at least 1, at most |forget| − 1);
// with on_retain, as many retain items are trained on instead and the same forget items held out.
RelearningSplit split_for_relearning(const std::vector<QAItem>& forget, const std::vector<QAItem>& retain,
                                     const RelearningOptions& options);

// Full fine-tuning of every weight of `model` on `items` (question → answer, CE on the answer)
// for options.steps steps at a constant learning rate.
TrainResult relearn(CausalLM& model, const QACollator& collator, const std::vector<QAItem>& items,
                    const RelearningOptions& options, const std::function<void(const nlohmann::json&)>& log);

}  // namespace llmedit
