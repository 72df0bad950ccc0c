#include "libllmedit/api/pretrained.h"

namespace llmedit {

Pretrained load_pretrained(const std::string& folder, const LoadOptions& options, const std::string& chat_template) {
  std::shared_ptr<CausalLM> model = load_causal_lm(folder, options);
  model->eval();
  return Pretrained{std::move(model), load_tokenizer(folder), ChatTemplate::for_tokenizer(folder, chat_template)};
}

}  // namespace llmedit
