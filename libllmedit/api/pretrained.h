// A model folder loaded the way transformers' from_pretrained loads it: the weights, the
// tokenizer beside them and the prompt format the tokenizer's config names. The first call of
// most research programs.
#pragma once
#include <memory>
#include <string>

#include "libllmedit/model/causal_lm.h"
#include "libllmedit/model/loader.h"
#include "libllmedit/tokenizer/chat_template.h"
#include "libllmedit/tokenizer/tokenizer.h"

namespace llmedit {

/// A model with its tokenizer and chat template.
struct Pretrained {
  std::shared_ptr<CausalLM> model;       ///< in eval mode, in options.dtype on options.device
  std::shared_ptr<Tokenizer> tokenizer;  ///< tokenizer.json, else tokenizer.model, from the same folder
  ChatTemplate chat_template;            ///< from tokenizer_config.json ("qa" for a base model)
};

/// Loads `folder` (a Hugging Face folder: config.json, model.safetensors or a sharded index, and a
/// tokenizer). `chat_template` names a format ("llama3", "chatml", "qa", ...) or "auto" for the one
/// tokenizer_config.json names. Throws a data error naming the file on any problem.
Pretrained load_pretrained(const std::string& folder, const LoadOptions& options = {},
                           const std::string& chat_template = "auto");

}  // namespace llmedit
