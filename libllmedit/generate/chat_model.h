// A chat model: conversations in, assistant replies out. One interface for the three places that
// prompt a model with messages (ReLearn augmentation, the llm entity extractor, `llmedit serve`)
// and the backends behind it: a model loaded by llmedit (LocalChatModel, generate/) or any
// OpenAI-compatible endpoint (OpenAIChatModel, generate/).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "libllmedit/tokenizer/chat_template.h"

namespace llmedit {

// Sampling for one request, named as in OpenAI's /v1/chat/completions.
struct ChatSampling {
  int64_t max_tokens = 256;
  double temperature = 0.0;  // 0: greedy
  double top_p = 1.0;
  int64_t top_k = 0;  // 0: off (not an OpenAI field; local models only)
  uint64_t seed = 0;
};

struct ChatRequest {
  std::vector<ChatMessage> messages;
  ChatSampling sampling;
};

class ChatModel {
 public:
  virtual ~ChatModel() = default;
  // What the model calls itself (the folder's name, or the endpoint's model id): for logs and caches.
  virtual std::string name() const = 0;
  // One reply per request, in order. Local models batch the requests; remote ones send them one
  // at a time. Errors name the model and the request index.
  virtual std::vector<std::string> complete(const std::vector<ChatRequest>& requests) = 0;
};

}  // namespace llmedit
