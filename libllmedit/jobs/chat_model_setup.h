// The chat model a job prompts (ReLearn augmentation, the llm entity extractor): one set of
// options under a prefix, for two providers:
//   local   a model folder loaded by llmedit (<prefix>.model, <prefix>.chat_template)
//   openai  any OpenAI-compatible /v1/chat/completions endpoint (<prefix>.base_url,
//           <prefix>.model as the endpoint's model id, the API key read from the environment
//           variable <prefix>.api_key_env names; the key is never logged)
#pragma once
#include <nlohmann/json.hpp>

#include <memory>
#include <string>

#include "libllmedit/core/config.h"
#include "libllmedit/generate/chat_model.h"

namespace llmedit {

// Declares <prefix>.model, .base_url, .api_key_env, .timeout_s, .max_retries, .chat_template
// and .batch_size.
void declare_chat_model_options(ConfigSchema& schema, const std::string& prefix);

// provider "local" | "openai". `resolved` is the job's resolved config (its "device" and
// "model.dtype", when declared, apply to a local model). Config errors name `source` and the key.
std::unique_ptr<ChatModel> make_chat_model(const std::string& provider, const nlohmann::json& resolved,
                                           const std::string& prefix, const std::string& source);

}  // namespace llmedit
