// Loading the model, tokenizer and prompt format a config names (model.*, device).
#pragma once
#include <torch/types.h>

#include <nlohmann/json.hpp>

#include <memory>
#include <string>

#include "libllmedit/core/error.h"
#include "libllmedit/model/causal_lm.h"
#include "libllmedit/tokenizer/chat_template.h"
#include "libllmedit/tokenizer/tokenizer.h"

namespace llmedit {

// "auto" picks CUDA when this LibTorch build sees a GPU; asking for "cuda" without one is a
// config error.
torch::Device resolve_device(const std::string& name);

struct TokenizerSetup {
  std::string path;  // model.tokenizer, else model.path
  std::shared_ptr<Tokenizer> tokenizer;
  std::shared_ptr<ChatTemplate> chat_template;
};

// model.tokenizer (or model.path) and model.chat_template; a config error when neither path is set.
TokenizerSetup load_tokenizer_from_config(const nlohmann::json& config, const std::string& source);

// Runs `load`, prefixing the config key to the message of a user error it throws
// ("eval.unlearning.nli_model: model folder 'x' does not exist").
template <typename Load>
auto with_config_key(const std::string& key, Load load) -> decltype(load()) {
  try {
    return load();
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::Internal) throw;
    throw Error(e.kind(), key + ": " + e.what());
  }
}

// model.path in model.dtype on `device`; a config error when model.path is not set.
std::shared_ptr<CausalLM> load_model_from_config(const nlohmann::json& config, const std::string& source);

}  // namespace llmedit
