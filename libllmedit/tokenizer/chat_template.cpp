// The chat formats written out in C++. Each render_* function follows the Jinja template
// transformers ships for that model family (named in its comment) for the messages llmedit
// uses: system, user and assistant, without tools.
#include "libllmedit/tokenizer/chat_template.h"

#include <filesystem>

#include "libllmedit/core/error.h"
#include "libllmedit/tokenizer/tokenizer_config.h"
#include "libllmedit/tokenizer/unicode.h"

namespace llmedit {

namespace {

// Python's str.isspace: White_Space plus the information separators U+001C..U+001F.
bool python_space(uint32_t cp) { return unicode::is_white_space(cp) || (cp >= 0x1C && cp <= 0x1F); }

// Jinja's `trim` / Python's str.strip() without arguments.
std::string trim(const std::string& text) {
  std::vector<uint32_t> cps, offsets;
  unicode::decode_utf8(text, cps, offsets);
  size_t begin = 0, end = cps.size();
  while (begin < end && python_space(cps[begin])) ++begin;
  while (end > begin && python_space(cps[end - 1])) --end;
  return text.substr(offsets[begin], offsets[end] - offsets[begin]);
}

std::string lstrip_newlines(const std::string& text) {
  const size_t begin = text.find_first_not_of('\n');
  return begin == std::string::npos ? "" : text.substr(begin);
}

std::string rstrip_newlines(const std::string& text) {
  const size_t end = text.find_last_not_of('\n');
  return end == std::string::npos ? "" : text.substr(0, end + 1);
}

bool starts_with(const std::string& text, const std::string& prefix) { return text.compare(0, prefix.size(), prefix) == 0; }

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void check_roles(const std::vector<ChatMessage>& messages) {
  for (size_t i = 0; i < messages.size(); ++i) {
    const std::string& role = messages[i].role;
    if (role != "system" && role != "user" && role != "assistant")
      throw data_error("chat message " + std::to_string(i) + ": role '" + role + "' is not system, user or assistant");
  }
}

// Splits off a leading system message.
std::pair<std::optional<std::string>, std::vector<ChatMessage>> split_system(const std::vector<ChatMessage>& messages) {
  if (!messages.empty() && messages[0].role == "system")
    return {messages[0].content, std::vector<ChatMessage>(messages.begin() + 1, messages.end())};
  return {std::nullopt, messages};
}

// The Llama-2, Mistral and Gemma templates raise unless turns go user, assistant, user, ...
void check_alternation(const std::vector<ChatMessage>& turns, const std::string& format) {
  for (size_t i = 0; i < turns.size(); ++i) {
    if ((turns[i].role == "user") != (i % 2 == 0))
      throw data_error(format + " chat: after an optional system message, roles must alternate user/assistant/... (message '" +
                       turns[i].role + "' at turn " + std::to_string(i) + ")");
  }
}

const std::string kQwenDefaultSystem = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.";
const std::string kQwen2DefaultSystem = "You are a helpful assistant.";

}  // namespace

ChatTemplate::ChatTemplate(Format format, std::string name) : format_(format), name_(std::move(name)) {
  switch (format) {
    case Format::Llama2:
    case Format::Mistral:
      bos_token = "<s>";
      eos_token = "</s>";
      break;
    case Format::Llama3:
      bos_token = "<|begin_of_text|>";
      eos_token = "<|eot_id|>";
      break;
    case Format::Gemma:
      bos_token = "<bos>";
      eos_token = "<eos>";
      break;
    case Format::ChatML:
    case Format::Qwen3:
      eos_token = "<|im_end|>";
      break;
    case Format::QA:
      break;
  }
}

ChatTemplate ChatTemplate::by_name(const std::string& name) {
  if (name == "llama2") return ChatTemplate(Format::Llama2, name);
  if (name == "llama3") return ChatTemplate(Format::Llama3, name);
  if (name == "chatml" || name == "qwen" || name == "qwen2") return ChatTemplate(Format::ChatML, "chatml");
  if (name == "qwen3") return ChatTemplate(Format::Qwen3, name);
  if (name == "mistral") return ChatTemplate(Format::Mistral, name);
  if (name == "gemma") return ChatTemplate(Format::Gemma, name);
  if (name == "qa") return ChatTemplate(Format::QA, name);
  throw config_error("chat template '" + name + "' is not one of llama2, llama3, chatml, qwen3, mistral, gemma, qa");
}

std::optional<ChatTemplate> ChatTemplate::recognize(const std::string& jinja) {
  const auto has = [&](const char* marker) { return jinja.find(marker) != std::string::npos; };
  if (has("<|start_header_id|>")) return by_name("llama3");
  if (has("<|im_start|>")) {
    if (has("<think>")) return by_name("qwen3");
    ChatTemplate chatml = by_name("chatml");
    if (has(kQwenDefaultSystem.c_str())) chatml.default_system = kQwenDefaultSystem;
    else if (has("<|im_start|>system\\nYou are a helpful assistant.<|im_end|>")) chatml.default_system = kQwen2DefaultSystem;
    return chatml;
  }
  if (has("<start_of_turn>")) return by_name("gemma");
  if (has("<<SYS>>")) return by_name("llama2");
  if (has("[INST]")) return by_name("mistral");
  return std::nullopt;
}

ChatTemplate ChatTemplate::for_tokenizer(const std::string& tokenizer_path, const std::string& name) {
  namespace fs = std::filesystem;
  const fs::path path(tokenizer_path);
  const fs::path folder = fs::is_directory(path) ? path : path.parent_path();
  const TokenizerConfig config = TokenizerConfig::load((folder / "tokenizer_config.json").string());
  std::optional<ChatTemplate> chosen;
  if (!name.empty() && name != "auto") {
    chosen = by_name(name);
  } else if (config.chat_template.empty()) {
    chosen = by_name("qa");
  } else {
    chosen = recognize(config.chat_template);
    if (!chosen)
      throw config_error(config.file + ": field 'chat_template': not a known format; name one of llama2, llama3, chatml, "
                                       "qwen3, mistral, gemma, qa");
  }
  if (config.bos_token) chosen->bos_token = *config.bos_token;
  if (config.eos_token) chosen->eos_token = *config.eos_token;
  return *chosen;
}

std::string ChatTemplate::render(const std::vector<ChatMessage>& messages, bool add_generation_prompt) const {
  check_roles(messages);
  switch (format_) {
    case Format::Llama2: return render_llama2(messages);
    case Format::Llama3: return render_llama3(messages, add_generation_prompt);
    case Format::ChatML: return render_chatml(messages, add_generation_prompt);
    case Format::Qwen3: return render_qwen3(messages, add_generation_prompt);
    case Format::Mistral: return render_mistral(messages);
    case Format::Gemma: return render_gemma(messages, add_generation_prompt);
    case Format::QA: return render_qa(messages, add_generation_prompt);
  }
  return "";
}

// meta-llama/Llama-2-7b-chat-hf: the system prompt goes inside the first [INST] block; the
// closing [/INST] is the generation prompt, so add_generation_prompt changes nothing.
std::string ChatTemplate::render_llama2(const std::vector<ChatMessage>& messages) const {
  const auto [system, turns] = split_system(messages);
  check_alternation(turns, "llama2");
  std::string out;
  for (size_t i = 0; i < turns.size(); ++i) {
    std::string content = turns[i].content;
    if (i == 0 && system) content = "<<SYS>>\n" + *system + "\n<</SYS>>\n\n" + content;
    if (turns[i].role == "user") out += bos_token + "[INST] " + trim(content) + " [/INST]";
    else out += " " + trim(content) + " " + eos_token;
  }
  return out;
}

// meta-llama/Meta-Llama-3-8B-Instruct.
std::string ChatTemplate::render_llama3(const std::vector<ChatMessage>& messages, bool add_generation_prompt) const {
  std::string out;
  for (size_t i = 0; i < messages.size(); ++i) {
    if (i == 0) out += bos_token;
    out += "<|start_header_id|>" + messages[i].role + "<|end_header_id|>\n\n" + trim(messages[i].content) + "<|eot_id|>";
  }
  if (add_generation_prompt) out += "<|start_header_id|>assistant<|end_header_id|>\n\n";
  return out;
}

// ChatML as in Qwen2/Qwen2.5-Instruct, with their default system message when set.
std::string ChatTemplate::render_chatml(const std::vector<ChatMessage>& messages, bool add_generation_prompt) const {
  std::string out;
  if (!default_system.empty() && (messages.empty() || messages[0].role != "system"))
    out += "<|im_start|>system\n" + default_system + "<|im_end|>\n";
  for (const ChatMessage& m : messages) out += "<|im_start|>" + m.role + "\n" + m.content + "<|im_end|>\n";
  if (add_generation_prompt) out += "<|im_start|>assistant\n";
  return out;
}

// Qwen/Qwen3: ChatML, where assistant turns after the last user message show their reasoning
// in <think> blocks (an empty block for the final turn without reasoning).
std::string ChatTemplate::render_qwen3(const std::vector<ChatMessage>& messages, bool add_generation_prompt) const {
  std::string out;
  if (!messages.empty() && messages[0].role == "system")
    out += "<|im_start|>system\n" + messages[0].content + "<|im_end|>\n";
  size_t last_query = messages.empty() ? 0 : messages.size() - 1;
  for (size_t i = messages.size(); i-- > 0;) {
    const std::string& c = messages[i].content;
    if (messages[i].role == "user" && !(starts_with(c, "<tool_response>") && ends_with(c, "</tool_response>"))) {
      last_query = i;
      break;
    }
  }
  for (size_t i = 0; i < messages.size(); ++i) {
    const ChatMessage& m = messages[i];
    if (m.role == "user" || (m.role == "system" && i > 0)) {
      out += "<|im_start|>" + m.role + "\n" + m.content + "<|im_end|>\n";
      continue;
    }
    if (m.role != "assistant") continue;
    std::string content = m.content, reasoning;
    const size_t close = m.content.find("</think>");
    if (close != std::string::npos) {
      content = lstrip_newlines(m.content.substr(m.content.rfind("</think>") + 8));
      const std::string before = rstrip_newlines(m.content.substr(0, close));
      const size_t open = before.rfind("<think>");
      reasoning = lstrip_newlines(open == std::string::npos ? before : before.substr(open + 7));
    }
    const bool last = i + 1 == messages.size();
    if (i > last_query && (last || !reasoning.empty())) {
      out += "<|im_start|>assistant\n<think>\n" + lstrip_newlines(rstrip_newlines(reasoning)) + "\n</think>\n\n" +
             lstrip_newlines(content);
    } else {
      out += "<|im_start|>assistant\n" + content;
    }
    out += "<|im_end|>\n";
  }
  if (add_generation_prompt) out += "<|im_start|>assistant\n";
  return out;
}

// mistralai/Mistral-7B-Instruct-v0.1; a system message (which that template rejects) is put
// before the first user message, as later Mistral templates do.
std::string ChatTemplate::render_mistral(const std::vector<ChatMessage>& messages) const {
  const auto [system, turns] = split_system(messages);
  check_alternation(turns, "mistral");
  std::string out = bos_token;
  for (size_t i = 0; i < turns.size(); ++i) {
    if (turns[i].role == "user") out += "[INST] " + (i == 0 && system ? *system + "\n\n" : "") + turns[i].content + " [/INST]";
    else out += turns[i].content + eos_token;
  }
  return out;
}

// google/gemma-3: the assistant is "model"; a system message prefixes the first user turn.
std::string ChatTemplate::render_gemma(const std::vector<ChatMessage>& messages, bool add_generation_prompt) const {
  const auto [system, turns] = split_system(messages);
  check_alternation(turns, "gemma");
  std::string out = bos_token;
  for (size_t i = 0; i < turns.size(); ++i) {
    const std::string role = turns[i].role == "assistant" ? "model" : turns[i].role;
    out += "<start_of_turn>" + role + "\n" + (i == 0 && system ? *system + "\n\n" : "") + trim(turns[i].content) +
           "<end_of_turn>\n";
  }
  if (add_generation_prompt) out += "<start_of_turn>model\n";
  return out;
}

// Plain text for base models: "Question: ...\nAnswer: ...\n"; the generation prompt is
// "Answer:", so an answer is continued as " text".
std::string ChatTemplate::render_qa(const std::vector<ChatMessage>& messages, bool add_generation_prompt) const {
  std::string out;
  for (const ChatMessage& m : messages) {
    if (m.role == "system") out += m.content + "\n\n";
    else if (m.role == "user") out += "Question: " + m.content + "\n";
    else out += "Answer: " + m.content + "\n";
  }
  if (add_generation_prompt) out += "Answer:";
  return out;
}

}  // namespace llmedit
