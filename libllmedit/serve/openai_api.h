// OpenAI's chat API over a ChatModel, as HTTP handlers for `llmedit serve`:
//   GET  /v1/models            the one served model
//   POST /v1/chat/completions  model, messages, max_tokens | max_completion_tokens,
//                              temperature, top_p, top_k, seed; n must be 1; no streaming
// Errors come back in OpenAI's shape, {"error": {"message", "type", "code"}}, naming the field.
#pragma once
#include <atomic>
#include <cstdint>
#include <string>

#include "libllmedit/core/http_server.h"
#include "libllmedit/generate/chat_model.h"

namespace llmedit {

struct OpenAIApiOptions {
  std::string model_id;          // what /v1/models lists and requests may name
  int64_t default_max_tokens = 256;
};

class OpenAIApi {
 public:
  OpenAIApi(ChatModel& model, OpenAIApiOptions options);

  // Routes a request: 404 for unknown paths, 405 for a known path with another method.
  HttpReply handle(const HttpRequest& request);

  int64_t requests_served() const { return completions_; }

 private:
  HttpReply models() const;
  HttpReply chat_completions(const HttpRequest& request);

  ChatModel& model_;
  OpenAIApiOptions options_;
  int64_t created_;                     // unix time the server started, for /v1/models
  std::atomic<int64_t> completions_{0};  // numbers the completion ids
};

}  // namespace llmedit
