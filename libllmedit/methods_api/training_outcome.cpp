#include "libllmedit/methods_api/training_outcome.h"

namespace llmedit {

void record_training(UnlearnOutcome& outcome, const NamedTensors& trainable, const TrainResult& result) {
  for (const auto& [name, tensor] : trainable) outcome.changed.emplace_back(name, tensor.detach());
  outcome.steps = result.steps_done;
  outcome.resumed_from = result.resumed_from;
  outcome.final_loss = result.last_loss;
  outcome.seconds = result.seconds;
  outcome.interrupted = result.interrupted;
}

}  // namespace llmedit
