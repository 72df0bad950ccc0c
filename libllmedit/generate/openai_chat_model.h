// A ChatModel over any OpenAI-compatible /v1/chat/completions endpoint (OpenAI, vLLM,
// llama.cpp's server, `llmedit serve`). Requests go one at a time; the HTTP client retries
// connection errors, 429 and 5xx with exponential backoff.
//
// The API key is read from the environment variable the options name, sent only in the
// Authorization header, and removed from any text an error quotes back (a server's message may
// echo it).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "libllmedit/core/http_client.h"
#include "libllmedit/generate/chat_model.h"

namespace llmedit {

struct OpenAIChatModelOptions {
  std::string base_url = "https://api.openai.com/v1";  // requests go to <base_url>/chat/completions
  std::string model;                                   // the endpoint's model id
  std::string api_key_env = "OPENAI_API_KEY";          // unset or empty: no Authorization header
  double timeout_s = 120.0;
  int max_retries = 4;
  double backoff_initial_s = 1.0;
  bool progress = true;  // a progress bar over the requests of one complete() call, when there are several
};

class OpenAIChatModel : public ChatModel {
 public:
  // Throws a config error when base_url is not http(s) or model is empty.
  explicit OpenAIChatModel(OpenAIChatModelOptions options);

  std::string name() const override { return options_.model; }
  std::vector<std::string> complete(const std::vector<ChatRequest>& requests) override;
  std::vector<ChatCompletion> complete_detailed(const std::vector<ChatRequest>& requests) override;

  // The request body for one request (no key in it), for tests and logs.
  std::string request_body(const ChatRequest& request) const;

 private:
  ChatCompletion complete_one(const ChatRequest& request, size_t index) const;
  std::string redact(std::string text) const;

  OpenAIChatModelOptions options_;
  std::string api_key_;  // never logged
  HttpClient client_;
};

}  // namespace llmedit
