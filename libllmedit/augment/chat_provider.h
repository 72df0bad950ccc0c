// The LLM providers (`local`, `openai`): each task becomes one chat request built from its
// prompt template, and the reply is cleaned to the part the pipeline wants (the first line of a
// question variant, the answer without a leading "Answer:" label, the judge's reply as is).
#pragma once
#include "libllmedit/augment/prompt_templates.h"
#include "libllmedit/augment/provider.h"
#include "libllmedit/generate/chat_model.h"

namespace llmedit::augment {

struct ChatProviderOptions {
  std::string provider = "local";  // for identity(): "local" or "openai"
  double temperature = 0.8;        // the reference samples GLM-4 at 0.8
  double top_p = 1.0;
  int64_t max_tokens = 256;
};

class ChatProvider : public AugmentProvider {
 public:
  // `model` must outlive the provider.
  ChatProvider(ChatModel& model, PromptTemplates templates, ChatProviderOptions options);
  std::string identity() const override;
  std::vector<std::string> run(const std::vector<AugmentTask>& tasks) override;

  // The request for one task (exposed for tests).
  ChatRequest request(const AugmentTask& task) const;

 private:
  ChatModel& model_;
  PromptTemplates templates_;
  ChatProviderOptions options_;
};

// Reply cleaning, by task kind.
std::string clean_question_reply(const std::string& reply);
std::string clean_answer_reply(const std::string& reply);

}  // namespace llmedit::augment
