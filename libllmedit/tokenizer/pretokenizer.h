// Pre-tokenizers of tokenizer.json: Split (with the file's own regex), ByteLevel, Metaspace,
// BertPreTokenizer and Sequence. They cut normalized text into the words the model sees.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "libllmedit/tokenizer/json_context.h"

namespace llmedit {

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  // Replaces `pieces` by their splits. at_text_start: pieces[0] begins the whole input text
  // (Metaspace's prepend_scheme "first" looks at it).
  virtual void split(std::vector<std::string>& pieces, bool at_text_start) const = 0;
};

// The "pre_tokenizer" value of a tokenizer.json (null gives nullptr). Throws a data error
// naming the field for any type, behavior or regex construct it does not implement.
std::unique_ptr<PreTokenizer> make_pre_tokenizer(const nlohmann::json& spec, const tokenizer_json::Context& ctx);

}  // namespace llmedit
