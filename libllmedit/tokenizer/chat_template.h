// Chat templates: the prompt formats of Llama-2, Llama-3, ChatML (Qwen2.5), Qwen3, Mistral,
// Gemma and a plain question/answer format, rendered in C++ to the exact text that
// transformers' apply_chat_template gives for system/user/assistant messages.
//
// Like transformers, the Llama-2/3, Mistral and Gemma formats write the BOS token into the
// text; ChatML, Qwen3 and QA write none. Encode the result with Tokenizer::encode_rendered
// (no add_special_tokens) so written-out special tokens become their ids.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace llmedit {

struct ChatMessage {
  std::string role;  // "system", "user" or "assistant"
  std::string content;
};

class ChatTemplate {
 public:
  enum class Format { Llama2, Llama3, ChatML, Qwen3, Mistral, Gemma, QA };

  // "llama2", "llama3", "chatml" (also "qwen", "qwen2"), "qwen3", "mistral", "gemma", "qa".
  // Throws a config error naming the known names for anything else.
  static ChatTemplate by_name(const std::string& name);
  // The format of a Jinja chat_template, recognized by its marker strings; nullopt if none.
  static std::optional<ChatTemplate> recognize(const std::string& jinja);
  // For a tokenizer folder or file: the named format (unless name is "" or "auto"), else the
  // one recognized from tokenizer_config.json's chat_template, else "qa" when the file has no
  // template (a base model). BOS/EOS strings come from tokenizer_config.json when it sets them.
  // Throws a config error when the template exists but is not one of the known formats.
  static ChatTemplate for_tokenizer(const std::string& tokenizer_path, const std::string& name = "auto");

  // Throws a data error for an unknown role, or roles out of the order the format requires.
  std::string render(const std::vector<ChatMessage>& messages, bool add_generation_prompt) const;

  Format format() const { return format_; }
  const std::string& name() const { return name_; }

  std::string bos_token;       // written where the format starts with BOS
  std::string eos_token;       // written after assistant turns (Llama-2, Mistral)
  std::string default_system;  // ChatML: the system message used when none is given

 private:
  ChatTemplate(Format format, std::string name);
  std::string render_llama2(const std::vector<ChatMessage>& messages) const;
  std::string render_llama3(const std::vector<ChatMessage>& messages, bool add_generation_prompt) const;
  std::string render_chatml(const std::vector<ChatMessage>& messages, bool add_generation_prompt) const;
  std::string render_qwen3(const std::vector<ChatMessage>& messages, bool add_generation_prompt) const;
  std::string render_mistral(const std::vector<ChatMessage>& messages) const;
  std::string render_gemma(const std::vector<ChatMessage>& messages, bool add_generation_prompt) const;
  std::string render_qa(const std::vector<ChatMessage>& messages, bool add_generation_prompt) const;

  Format format_;
  std::string name_;
};

}  // namespace llmedit
