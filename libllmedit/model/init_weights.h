// Fresh weights for an ArchSpec, initialized as transformers' _init_weights does: linear and
// embedding weights ~ N(0, initializer_range), biases 0, norm weights 1 (LayerNorm bias 0).
#pragma once
#include <cstdint>

#include "libllmedit/io/safetensors.h"
#include "libllmedit/model/arch_spec.h"

namespace llmedit {

// Named and shaped as the family's Hugging Face checkpoint, in float32 on the CPU.
NamedTensors init_weights(const ArchSpec& spec, double initializer_range = 0.02, uint64_t seed = 0);

}  // namespace llmedit
