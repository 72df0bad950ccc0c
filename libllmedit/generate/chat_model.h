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

// One reply with what OpenAI's response reports beside it (for `llmedit serve`).
struct ChatCompletion {
  std::string text;
  std::string finish_reason = "stop";  // "stop" (EOS or the model's own end) or "length" (max_tokens)
  int64_t prompt_tokens = 0;           // 0 when the backend does not count
  int64_t completion_tokens = 0;
};

class ChatModel {
 public:
  virtual ~ChatModel() = default;
  // What the model calls itself (the folder's name, or the endpoint's model id): for logs and caches.
  virtual std::string name() const = 0;
  // One reply per request, in order. Local models batch the requests; remote ones send them one
  // at a time. Errors name the model and the request index.
  virtual std::vector<std::string> complete(const std::vector<ChatRequest>& requests) = 0;
  // complete() with finish reasons and token counts. The default wraps complete() and reports
  // "stop" and no counts; backends that know better override it.
  virtual std::vector<ChatCompletion> complete_detailed(const std::vector<ChatRequest>& requests) {
    std::vector<ChatCompletion> out;
    for (std::string& text : complete(requests)) out.push_back({std::move(text), "stop", 0, 0});
    return out;
  }
};

}  // namespace llmedit
