// Which tensors a method trains: the LoRA adapter's A and B when one is attached, else every
// weight of the model. Shared by the built-in unlearners and methods written outside the library,
// so both train (and report) the same tensors under the same names.
#pragma once
#include "libllmedit/io/safetensors.h"

namespace llmedit {

class CausalLM;
class LoraAdapter;

/// The tensors to hand to train(): with `adapter`, its A and B under PEFT's names
/// ("base_model.model.<module>.lora_A.weight"); without, every model weight under its Hugging Face
/// name, switched to requires_grad (call release_trainable_tensors afterwards).
NamedTensors trainable_tensors(CausalLM& model, LoraAdapter* adapter);

/// After full fine-tuning: the weights stop requiring grad, so the model is a plain model again.
/// A no-op with an adapter, whose tensors stay trainable.
void release_trainable_tensors(const NamedTensors& trainable, const LoraAdapter* adapter);

}  // namespace llmedit
