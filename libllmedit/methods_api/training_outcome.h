/// @file
/// What every training-based unlearner reports once `train()` returns: the tensors it trained and
/// the trainer's result, in the UnlearnOutcome the unlearn job reads.
#pragma once
#include "libllmedit/io/safetensors.h"
#include "libllmedit/methods_api/unlearner.h"
#include "libllmedit/train/trainer.h"

namespace llmedit {

/// Fills `outcome` (its `log` is left as the method filled it): `changed` = detached views of
/// `trainable`, and steps, resume point, last loss, seconds and the interrupt flag from `result`.
void record_training(UnlearnOutcome& outcome, const NamedTensors& trainable, const TrainResult& result);

}  // namespace llmedit
