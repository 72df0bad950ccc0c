// A ChatModel over a model loaded by llmedit: messages rendered with the model's chat template,
// replies generated in left-padded batches (generate/generator.h), stopped at EOS.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "libllmedit/generate/chat_model.h"
#include "libllmedit/model/causal_lm.h"
#include "libllmedit/tokenizer/chat_template.h"
#include "libllmedit/tokenizer/tokenizer.h"

namespace llmedit {

struct LocalChatModelOptions {
  std::string name = "local";  // what name() reports (the model folder's name, usually)
  int64_t batch_size = 16;     // requests generated together at most
};

class LocalChatModel : public ChatModel {
 public:
  LocalChatModel(std::shared_ptr<CausalLM> model, std::shared_ptr<Tokenizer> tokenizer, ChatTemplate chat_template,
                 LocalChatModelOptions options = {});

  std::string name() const override { return options_.name; }
  std::vector<std::string> complete(const std::vector<ChatRequest>& requests) override;
  // Requests with equal sampling settings (seed included) share batches, so a reply does not
  // depend on requests with other settings; greedy replies depend on nothing but their prompt.
  std::vector<ChatCompletion> complete_detailed(const std::vector<ChatRequest>& requests) override;

  // The prompt ids of `messages`: rendered with the generation prompt, BOS first when the
  // tokenizer has one (as QACollator builds training prompts).
  std::vector<int64_t> prompt_ids(const std::vector<ChatMessage>& messages) const;

 private:
  std::shared_ptr<CausalLM> model_;
  std::shared_ptr<Tokenizer> tokenizer_;
  ChatTemplate template_;
  LocalChatModelOptions options_;
  std::mutex mutex_;  // one generation at a time (the server may call from several threads)
};

}  // namespace llmedit
