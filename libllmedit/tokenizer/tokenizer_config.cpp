// Reading tokenizer_config.json: special token names, add_bos/eos_token, chat_template.
#include "libllmedit/tokenizer/tokenizer_config.h"

#include <filesystem>
#include <fstream>

#include "libllmedit/tokenizer/json_context.h"

namespace llmedit {

using tokenizer_json::Context;

namespace {

// A token is written as "text", null, or {"content": "text", ...} (serialized AddedToken).
std::optional<std::string> token_field(const nlohmann::json& config, const char* key, const Context& ctx) {
  const auto it = config.find(key);
  if (it == config.end() || it->is_null()) return std::nullopt;
  if (it->is_string()) return it->get<std::string>();
  if (it->is_object()) return tokenizer_json::string_field(*it, "content", ctx.at(key));
  ctx.at(key).fail("neither a string, null nor an object with 'content'");
}

std::optional<bool> optional_bool(const nlohmann::json& config, const char* key, const Context& ctx) {
  const auto it = config.find(key);
  if (it == config.end() || it->is_null()) return std::nullopt;
  if (!it->is_boolean()) ctx.at(key).fail("not a boolean");
  return it->get<bool>();
}

// A string, or a list of {"name", "template"} of which "default" is the chat template.
std::string chat_template_field(const nlohmann::json& config, const Context& ctx) {
  const auto it = config.find("chat_template");
  if (it == config.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_array()) {
    for (const auto& entry : *it)
      if (entry.is_object() && entry.value("name", "") == "default") return entry.value("template", "");
    return "";
  }
  ctx.at("chat_template").fail("neither a string nor a list of named templates");
}

}  // namespace

TokenizerConfig TokenizerConfig::load(const std::string& file) {
  TokenizerConfig config;
  if (!std::filesystem::exists(file)) return config;
  const Context ctx{file, ""};
  std::ifstream in(file);
  if (!in) ctx.fail("cannot open");
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    ctx.fail(std::string("invalid JSON: ") + e.what());
  }
  if (!json.is_object()) ctx.fail("not a JSON object");
  config.file = file;
  config.bos_token = token_field(json, "bos_token", ctx);
  config.eos_token = token_field(json, "eos_token", ctx);
  config.pad_token = token_field(json, "pad_token", ctx);
  config.unk_token = token_field(json, "unk_token", ctx);
  config.add_bos_token = optional_bool(json, "add_bos_token", ctx);
  config.add_eos_token = optional_bool(json, "add_eos_token", ctx);
  config.chat_template = chat_template_field(json, ctx);
  return config;
}

}  // namespace llmedit
