#include "libllmedit/serve/openai_api.h"

#include <nlohmann/json.hpp>

#include <chrono>

#include "libllmedit/core/error.h"

namespace llmedit {

namespace {

// A 400 that names the offending field; thrown while reading a request, caught in handle().
struct BadRequest {
  std::string message;
  std::string code = "invalid_value";
};

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

HttpReply json_reply(const nlohmann::json& body) {
  HttpReply reply;
  reply.body = body.dump();
  return reply;
}

// A message's content: a string, null (an assistant turn without text), or OpenAI's list of
// parts of which only {"type": "text"} ones are understood.
std::string read_content(const nlohmann::json& content, const std::string& field) {
  if (content.is_string()) return content.get<std::string>();
  if (content.is_null()) return "";
  if (!content.is_array()) throw BadRequest{field + " must be a string or a list of text parts"};
  std::string text;
  for (size_t i = 0; i < content.size(); ++i) {
    const nlohmann::json& part = content[i];
    const std::string where = field + "[" + std::to_string(i) + "]";
    if (!part.is_object() || part.value("type", "") != "text" || !part.contains("text") || !part["text"].is_string())
      throw BadRequest{where + " must be {\"type\": \"text\", \"text\": \"...\"}; only text parts are supported"};
    text += part["text"].get<std::string>();
  }
  return text;
}

std::vector<ChatMessage> read_messages(const nlohmann::json& body) {
  if (!body.contains("messages")) throw BadRequest{"missing required field 'messages'", "missing_field"};
  const nlohmann::json& list = body["messages"];
  if (!list.is_array() || list.empty()) throw BadRequest{"'messages' must be a non-empty list of {role, content}"};
  std::vector<ChatMessage> messages;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string where = "messages[" + std::to_string(i) + "]";
    const nlohmann::json& m = list[i];
    if (!m.is_object()) throw BadRequest{where + " must be an object with role and content"};
    if (!m.contains("role") || !m["role"].is_string()) throw BadRequest{where + ".role is missing or not a string", "missing_field"};
    std::string role = m["role"].get<std::string>();
    if (role == "developer") role = "system";  // OpenAI's newer name for the system turn
    if (role != "system" && role != "user" && role != "assistant")
      throw BadRequest{where + ".role '" + m["role"].get<std::string>() + "' is not one of system, developer, user, assistant"};
    messages.push_back({role, read_content(m.contains("content") ? m["content"] : nlohmann::json(), where + ".content")});
  }
  return messages;
}

double read_number(const nlohmann::json& body, const std::string& field, double fallback, double low, double high) {
  if (!body.contains(field) || body[field].is_null()) return fallback;
  if (!body[field].is_number()) throw BadRequest{"'" + field + "' must be a number"};
  const double v = body[field].get<double>();
  if (v < low || v > high) throw BadRequest{"'" + field + "' must be in [" + nlohmann::json(low).dump() + ", " + nlohmann::json(high).dump() + "], got " + body[field].dump()};
  return v;
}

int64_t read_integer(const nlohmann::json& body, const std::string& field, int64_t fallback, int64_t low) {
  if (!body.contains(field) || body[field].is_null()) return fallback;
  if (!body[field].is_number_integer()) throw BadRequest{"'" + field + "' must be an integer"};
  const int64_t v = body[field].get<int64_t>();
  if (v < low) throw BadRequest{"'" + field + "' must be at least " + std::to_string(low) + ", got " + std::to_string(v)};
  return v;
}

ChatSampling read_sampling(const nlohmann::json& body, int64_t default_max_tokens) {
  ChatSampling s;
  s.max_tokens = read_integer(body, "max_completion_tokens", read_integer(body, "max_tokens", default_max_tokens, 1), 1);
  s.temperature = read_number(body, "temperature", 1.0, 0.0, 2.0);  // OpenAI's default
  s.top_p = read_number(body, "top_p", 1.0, 0.0, 1.0);
  if (s.top_p <= 0.0) throw BadRequest{"'top_p' must be greater than 0"};
  s.top_k = read_integer(body, "top_k", 0, 0);
  if (body.contains("seed") && !body["seed"].is_null()) {
    if (!body["seed"].is_number_integer()) throw BadRequest{"'seed' must be an integer"};
    s.seed = body["seed"].is_number_unsigned() ? body["seed"].get<uint64_t>() : static_cast<uint64_t>(body["seed"].get<int64_t>());
  }
  return s;
}

}  // namespace

OpenAIApi::OpenAIApi(ChatModel& model, OpenAIApiOptions options) : model_(model), options_(std::move(options)), created_(unix_now()) {}

HttpReply OpenAIApi::handle(const HttpRequest& request) {
  const std::string& path = request.path;
  const bool models_path = path == "/v1/models" || path == "/v1/models/";
  const bool chat_path = path == "/v1/chat/completions";
  if (!models_path && !chat_path)
    return json_error(404, "unknown path '" + path + "'; this server has GET /v1/models and POST /v1/chat/completions",
                      "invalid_request_error", "unknown_url");
  const std::string allowed = models_path ? "GET" : "POST";
  if (request.method != allowed) {
    HttpReply reply = json_error(405, request.method + " is not allowed on " + path + "; use " + allowed, "invalid_request_error",
                                 "method_not_allowed");
    reply.headers["Allow"] = allowed;
    return reply;
  }
  if (models_path) return models();
  try {
    return chat_completions(request);
  } catch (const BadRequest& e) {
    return json_error(400, e.message, "invalid_request_error", e.code);
  } catch (const Error& e) {
    // The model rejected the request (too long for its context, a role order its template forbids).
    if (e.kind() == ErrorKind::Internal) throw;
    return json_error(400, e.what(), "invalid_request_error", "invalid_value");
  }
}

HttpReply OpenAIApi::models() const {
  return json_reply({{"object", "list"},
                     {"data", nlohmann::json::array({{{"id", options_.model_id}, {"object", "model"}, {"created", created_}, {"owned_by", "llmedit"}}})}});
}

HttpReply OpenAIApi::chat_completions(const HttpRequest& request) {
  nlohmann::json body;
  try {
    body = nlohmann::json::parse(request.body);
  } catch (const nlohmann::json::parse_error& e) {
    throw BadRequest{std::string("request body is not valid JSON: ") + e.what(), "invalid_json"};
  }
  if (!body.is_object()) throw BadRequest{"request body must be a JSON object", "invalid_json"};
  if (body.contains("model") && !body["model"].is_null()) {
    if (!body["model"].is_string()) throw BadRequest{"'model' must be a string"};
    if (body["model"].get<std::string>() != options_.model_id)
      return json_error(404, "model '" + body["model"].get<std::string>() + "' is not served here; this server serves '" +
                                 options_.model_id + "'",
                        "invalid_request_error", "model_not_found");
  }
  if (body.contains("stream") && body["stream"].is_boolean() && body["stream"].get<bool>())
    throw BadRequest{"'stream': streaming is not supported by llmedit serve; send stream false", "unsupported_value"};
  if (read_integer(body, "n", 1, 1) != 1) throw BadRequest{"'n' must be 1; llmedit serve returns one choice", "unsupported_value"};
  ChatRequest chat;
  chat.messages = read_messages(body);
  chat.sampling = read_sampling(body, options_.default_max_tokens);

  const ChatCompletion reply = model_.complete_detailed({chat}).at(0);
  const int64_t number = ++completions_;
  return json_reply({{"id", "chatcmpl-llmedit-" + std::to_string(created_) + "-" + std::to_string(number)},
                     {"object", "chat.completion"},
                     {"created", unix_now()},
                     {"model", options_.model_id},
                     {"choices", nlohmann::json::array({{{"index", 0},
                                                         {"message", {{"role", "assistant"}, {"content", reply.text}}},
                                                         {"logprobs", nullptr},
                                                         {"finish_reason", reply.finish_reason}}})},
                     {"usage",
                      {{"prompt_tokens", reply.prompt_tokens},
                       {"completion_tokens", reply.completion_tokens},
                       {"total_tokens", reply.prompt_tokens + reply.completion_tokens}}}});
}

}  // namespace llmedit
