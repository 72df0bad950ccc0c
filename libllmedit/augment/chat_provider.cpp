#include "libllmedit/augment/chat_provider.h"

#include <cctype>
#include <cstdio>

#include "libllmedit/augment/text_rules.h"
#include "libllmedit/core/error.h"

namespace llmedit::augment {

namespace {

// Drops a short leading label such as "Rephrased question:" or "Answer:".
std::string drop_label(const std::string& text) {
  const size_t colon = text.find(':');
  if (colon == std::string::npos || colon > 40) return text;
  const std::string label = lower_ascii(text.substr(0, colon));
  for (const char* word : {"question", "answer", "response", "output"})
    if (label.find(word) != std::string::npos) return trim(text.substr(colon + 1));
  return text;
}

std::string drop_quotes(std::string text) {
  if (text.size() >= 2 && ((text.front() == '"' && text.back() == '"') || (text.front() == '\'' && text.back() == '\'')))
    text = trim(text.substr(1, text.size() - 2));
  return text;
}

}  // namespace

std::string clean_question_reply(const std::string& reply) {
  size_t start = 0;
  while (start <= reply.size()) {
    size_t end = reply.find('\n', start);
    if (end == std::string::npos) end = reply.size();
    const std::string line = drop_quotes(drop_label(trim(reply.substr(start, end - start))));
    if (!line.empty()) return line;
    start = end + 1;
  }
  return "";
}

std::string clean_answer_reply(const std::string& reply) { return drop_quotes(drop_label(trim(reply))); }

ChatProvider::ChatProvider(ChatModel& model, PromptTemplates templates, ChatProviderOptions options)
    : model_(model), templates_(std::move(templates)), options_(std::move(options)) {}

std::string ChatProvider::identity() const {
  char sampling[96];
  std::snprintf(sampling, sizeof sampling, "t%.4g-p%.4g-n%lld", options_.temperature, options_.top_p,
                static_cast<long long>(options_.max_tokens));
  return options_.provider + ":" + model_.name() + ":" + sampling;
}

ChatRequest ChatProvider::request(const AugmentTask& task) const {
  const auto it = templates_.by_kind.find(task.kind);
  if (it == templates_.by_kind.end())
    throw Error(ErrorKind::Internal, templates_.path + ": no prompt for task kind '" + task.kind + "'");
  const PromptTemplate& t = it->second;
  ChatRequest r;
  if (!t.system.empty()) r.messages.push_back({"system", fill_prompt(t.system, task)});
  r.messages.push_back({"user", fill_prompt(t.user, task)});
  r.sampling.temperature = t.temperature.value_or(options_.temperature);
  r.sampling.top_p = options_.top_p;
  r.sampling.max_tokens = t.max_tokens.value_or(options_.max_tokens);
  // A new seed per variant and round, so a regenerated answer is a new draw.
  r.sampling.seed = task.seed ^ (0x9e3779b97f4a7c15ULL * static_cast<uint64_t>(1 + task.variant * 8 + task.round));
  return r;
}

std::vector<std::string> ChatProvider::run(const std::vector<AugmentTask>& tasks) {
  std::vector<ChatRequest> requests;
  requests.reserve(tasks.size());
  for (const AugmentTask& t : tasks) requests.push_back(request(t));
  std::vector<std::string> replies = model_.complete(requests);
  if (replies.size() != tasks.size())
    throw Error(ErrorKind::Internal, model_.name() + ": " + std::to_string(replies.size()) + " replies to " +
                                         std::to_string(tasks.size()) + " requests");
  for (size_t i = 0; i < tasks.size(); ++i) {
    if (tasks[i].kind == kJudge) continue;
    replies[i] = tasks[i].kind == kVagueAnswer ? clean_answer_reply(replies[i]) : clean_question_reply(replies[i]);
  }
  return replies;
}

}  // namespace llmedit::augment
