#include "libllmedit/jobs/chat_model_setup.h"

#include <filesystem>

#include "libllmedit/core/error.h"
#include "libllmedit/generate/local_chat_model.h"
#include "libllmedit/generate/openai_chat_model.h"
#include "libllmedit/jobs/model_setup.h"
#include "libllmedit/model/loader.h"
#include "libllmedit/tokenizer/tokenizer.h"

namespace llmedit {

namespace {

// A top-level string option the job may not declare ("device", "model.dtype").
std::string optional_string(const nlohmann::json& resolved, const std::string& key, const std::string& fallback) {
  const nlohmann::json* node = &resolved;
  size_t start = 0;
  while (start <= key.size()) {
    size_t dot = key.find('.', start);
    if (dot == std::string::npos) dot = key.size();
    const std::string part = key.substr(start, dot - start);
    if (!node->is_object() || !node->contains(part)) return fallback;
    node = &(*node)[part];
    start = dot + 1;
  }
  return node->is_string() ? node->get<std::string>() : fallback;
}

std::unique_ptr<ChatModel> make_local(const nlohmann::json& c, const std::string& p, const std::string& source) {
  const auto path = config_get<std::string>(c, p + ".model");
  if (path.empty()) throw config_error(source + ": " + p + ".model is empty; name the model folder the local provider loads");
  LoadOptions load;
  load.dtype = parse_dtype(optional_string(c, "model.dtype", "float32"));
  load.device = resolve_device(optional_string(c, "device", "cpu"));
  LocalChatModelOptions options;
  options.name = std::filesystem::path(path).filename().string();
  if (options.name.empty()) options.name = std::filesystem::path(path).parent_path().filename().string();
  options.batch_size = config_get<int64_t>(c, p + ".batch_size");
  return with_config_key(p + ".model", [&]() -> std::unique_ptr<ChatModel> {
    std::shared_ptr<CausalLM> model = load_causal_lm(path, load);
    std::shared_ptr<Tokenizer> tokenizer = load_tokenizer(path);
    ChatTemplate chat_template = ChatTemplate::for_tokenizer(path, config_get<std::string>(c, p + ".chat_template"));
    return std::make_unique<LocalChatModel>(model, tokenizer, chat_template, options);
  });
}

std::unique_ptr<ChatModel> make_openai(const nlohmann::json& c, const std::string& p, const std::string& source) {
  OpenAIChatModelOptions options;
  options.base_url = config_get<std::string>(c, p + ".base_url");
  options.model = config_get<std::string>(c, p + ".model");
  options.api_key_env = config_get<std::string>(c, p + ".api_key_env");
  options.timeout_s = config_get<double>(c, p + ".timeout_s");
  options.max_retries = static_cast<int>(config_get<int64_t>(c, p + ".max_retries"));
  if (options.model.empty()) throw config_error(source + ": " + p + ".model is empty; name the endpoint's model id");
  if (options.timeout_s <= 0) throw config_error(source + ": " + p + ".timeout_s must be positive, got " + std::to_string(options.timeout_s));
  if (options.max_retries < 0) throw config_error(source + ": " + p + ".max_retries must be >= 0, got " + std::to_string(options.max_retries));
  return with_config_key(source + ": " + p + ".base_url", [&]() -> std::unique_ptr<ChatModel> { return std::make_unique<OpenAIChatModel>(options); });
}

}  // namespace

void declare_chat_model_options(ConfigSchema& s, const std::string& p) {
  s.option(p + ".model", "", "local: the model folder; openai: the endpoint's model id");
  s.option(p + ".base_url", "https://api.openai.com/v1", "openai: the endpoint's base URL (…/v1)");
  s.option(p + ".api_key_env", "OPENAI_API_KEY", "openai: environment variable holding the API key (unset: no key sent)");
  s.option(p + ".timeout_s", 120.0, "openai: seconds one HTTP request may take");
  s.option(p + ".max_retries", 4, "openai: retries after connection errors, 429 and 5xx, with exponential backoff");
  s.option(p + ".chat_template", "auto", "local: prompt format (auto: from tokenizer_config.json)");
  s.option(p + ".batch_size", 16, "local: requests generated together");
}

std::unique_ptr<ChatModel> make_chat_model(const std::string& provider, const nlohmann::json& resolved, const std::string& prefix,
                                           const std::string& source) {
  if (provider == "local") return make_local(resolved, prefix, source);
  if (provider == "openai") return make_openai(resolved, prefix, source);
  throw config_error(source + ": unknown chat model provider \"" + provider + "\"; use local or openai");
}

}  // namespace llmedit
