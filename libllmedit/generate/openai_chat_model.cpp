#include "libllmedit/generate/openai_chat_model.h"

#include <nlohmann/json.hpp>

#include <cstdlib>

#include "libllmedit/core/error.h"
#include "libllmedit/core/progress.h"

namespace llmedit {

namespace {

HttpClientOptions client_options(const OpenAIChatModelOptions& o) {
  HttpClientOptions c;
  c.timeout_s = o.timeout_s;
  c.max_retries = o.max_retries;
  c.backoff_initial_s = o.backoff_initial_s;
  return c;
}

std::string shorten(const std::string& text, size_t limit = 300) {
  return text.size() <= limit ? text : text.substr(0, limit) + "...";
}

// OpenAI-shaped error bodies carry error.message; anything else is quoted (shortened).
std::string error_message(const std::string& body) {
  try {
    const nlohmann::json j = nlohmann::json::parse(body);
    if (j.contains("error") && j["error"].is_object() && j["error"].contains("message") && j["error"]["message"].is_string())
      return j["error"]["message"].get<std::string>();
  } catch (const nlohmann::json::exception&) {
  }
  return shorten(body);
}

}  // namespace

OpenAIChatModel::OpenAIChatModel(OpenAIChatModelOptions options) : options_(std::move(options)), client_(client_options(options_)) {
  const std::string& url = options_.base_url;
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
    throw config_error("base_url '" + url + "' must start with http:// or https://");
  while (!options_.base_url.empty() && options_.base_url.back() == '/') options_.base_url.pop_back();
  if (options_.model.empty()) throw config_error("the openai provider needs a model id (the endpoint's name for the model)");
  if (options_.timeout_s <= 0) throw config_error("timeout_s must be positive, got " + std::to_string(options_.timeout_s));
  if (options_.max_retries < 0) throw config_error("max_retries must be >= 0, got " + std::to_string(options_.max_retries));
  if (!options_.api_key_env.empty())
    if (const char* key = std::getenv(options_.api_key_env.c_str())) api_key_ = key;
}

std::string OpenAIChatModel::redact(std::string text) const {
  if (api_key_.size() < 4) return text;  // too short to tell apart from ordinary text
  for (size_t at; (at = text.find(api_key_)) != std::string::npos;) text.replace(at, api_key_.size(), "[api key]");
  return text;
}

std::string OpenAIChatModel::request_body(const ChatRequest& request) const {
  nlohmann::json messages = nlohmann::json::array();
  for (const ChatMessage& m : request.messages) messages.push_back({{"role", m.role}, {"content", m.content}});
  const ChatSampling& s = request.sampling;
  nlohmann::json body = {{"model", options_.model},
                         {"messages", messages},
                         {"max_tokens", s.max_tokens},
                         {"temperature", s.temperature},
                         {"top_p", s.top_p},
                         {"seed", s.seed},
                         {"n", 1},
                         {"stream", false}};
  return body.dump();
}

ChatCompletion OpenAIChatModel::complete_one(const ChatRequest& request, size_t index) const {
  const std::string where = options_.model + " at " + options_.base_url + ": request " + std::to_string(index);
  HttpHeaders headers;
  if (!api_key_.empty()) headers.emplace_back("Authorization", "Bearer " + api_key_);
  HttpResponse response;
  try {
    response = client_.post_json(options_.base_url + "/chat/completions", request_body(request), headers);
  } catch (const Error& e) {
    throw Error(e.kind(), redact(where + ": " + e.what()));
  }
  if (response.status != 200) {
    std::string hint;
    if (response.status == 401) hint = api_key_.empty() ? " (no API key: environment variable " + options_.api_key_env + " is unset or empty)"
                                                        : " (check the key in " + options_.api_key_env + ")";
    throw data_error(redact(where + ": HTTP " + std::to_string(response.status) + " after " + std::to_string(response.attempts) +
                            " attempt(s): " + error_message(response.body) + hint));
  }
  ChatCompletion out;
  try {
    const nlohmann::json j = nlohmann::json::parse(response.body);
    const nlohmann::json& choice = j.at("choices").at(0);
    const nlohmann::json& content = choice.at("message").at("content");
    out.text = content.is_null() ? "" : content.get<std::string>();
    if (choice.contains("finish_reason") && choice["finish_reason"].is_string()) out.finish_reason = choice["finish_reason"];
    if (j.contains("usage") && j["usage"].is_object()) {
      out.prompt_tokens = j["usage"].value("prompt_tokens", int64_t{0});
      out.completion_tokens = j["usage"].value("completion_tokens", int64_t{0});
    }
  } catch (const nlohmann::json::exception& e) {
    throw data_error(redact(where + ": the response is not a chat.completion (" + e.what() + "): " + shorten(response.body)));
  }
  return out;
}

std::vector<ChatCompletion> OpenAIChatModel::complete_detailed(const std::vector<ChatRequest>& requests) {
  std::vector<ChatCompletion> out;
  out.reserve(requests.size());
  ProgressBar bar("chat " + options_.model, static_cast<int64_t>(requests.size()), "request", options_.progress && requests.size() > 1);
  for (size_t i = 0; i < requests.size(); ++i) {
    out.push_back(complete_one(requests[i], i));
    bar.update(static_cast<int64_t>(i + 1));
  }
  return out;
}

std::vector<std::string> OpenAIChatModel::complete(const std::vector<ChatRequest>& requests) {
  std::vector<std::string> out;
  for (ChatCompletion& c : complete_detailed(requests)) out.push_back(std::move(c.text));
  return out;
}

}  // namespace llmedit
