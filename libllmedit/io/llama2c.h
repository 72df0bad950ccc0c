// Import of llama2.c checkpoints (github.com/karpathy/llama2.c, "legacy" export format):
// 7 int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len), then float32
// weights; a negative vocab_size means the classifier is stored (untied).
#pragma once
#include <string>

#include "libllmedit/io/checkpoint.h"

namespace llmedit {

// Returns a Llama config.json and weights under Hugging Face names and layouts. llama2.c rotates
// interleaved pairs; q/k rows are permuted to the split-halves layout transformers uses, the same
// permutation as transformers' convert_llama_weights_to_hf.
CheckpointFiles import_llama2c(const std::string& path);

}  // namespace llmedit
