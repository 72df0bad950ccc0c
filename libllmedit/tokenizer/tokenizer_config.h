// The parts of a Hugging Face tokenizer_config.json that llmedit uses.
#pragma once
#include <optional>
#include <string>

namespace llmedit {

struct TokenizerConfig {
  std::string file;  // empty when there was no tokenizer_config.json
  std::optional<std::string> bos_token, eos_token, pad_token, unk_token;
  // Present only when the file sets them; they then decide the special tokens that
  // add_special_tokens adds (as transformers' Llama/Gemma tokenizers rebuild their template).
  std::optional<bool> add_bos_token, add_eos_token;
  std::string chat_template;  // the Jinja source, empty when absent

  // Reads `file`; a missing file gives an empty config, a malformed one a data error.
  static TokenizerConfig load(const std::string& file);
};

}  // namespace llmedit
