#include "libllmedit/eval/knowledge.h"

#include <torch/torch.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <numeric>

#include "libllmedit/core/error.h"
#include "libllmedit/core/progress.h"
#include "libllmedit/generate/generator.h"

namespace llmedit {

std::string normalize_for_match(const std::string& text) {
  std::string out;
  bool space = true;
  for (unsigned char c : text) {
    // Sentence punctuation separates words; '@', '-', '.' and digits stay so emails, phone
    // numbers and dates survive ("555-123-4567", "a.b@c.org").
    const bool keep = std::isalnum(c) || c >= 0x80 || c == '@' || c == '-' || c == '.' || c == '\'';
    if (!keep) {
      if (!space) out += ' ';
      space = true;
      continue;
    }
    out += static_cast<char>(std::tolower(c));
    space = false;
  }
  // A trailing sentence period is punctuation, not part of the last word.
  while (!out.empty() && (out.back() == ' ' || out.back() == '.')) out.pop_back();
  return out;
}

namespace {

bool contains_phrase(const std::string& haystack, const std::string& needle) {
  if (needle.empty()) return false;
  // Compare on word boundaries padded with spaces, after dropping periods that end words.
  auto pad = [](std::string s) {
    std::string out = " ";
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '.' && (i + 1 == s.size() || s[i + 1] == ' ')) continue;
      out += s[i];
    }
    return out + " ";
  };
  return pad(haystack).find(pad(needle)) != std::string::npos;
}

// A question whose prompt fills the context leaves no room for an answer (and positions past it
// were never trained): a data error naming the question, before any generation.
void require_fits_context(const CausalLM& model, const std::vector<std::vector<int64_t>>& prompts,
                          const std::vector<std::string>& questions) {
  const int64_t context = model.spec().max_position_embeddings;
  if (context <= 0) return;
  for (size_t i = 0; i < prompts.size(); ++i) {
    const auto length = static_cast<int64_t>(prompts[i].size());
    if (length < context) continue;
    const std::string shown = questions[i].size() > 60 ? questions[i].substr(0, 60) + "..." : questions[i];
    throw data_error("question " + std::to_string(i + 1) + " (\"" + shown + "\"): its prompt has " + std::to_string(length) +
                     " tokens, the model's context (max_position_embeddings) is " + std::to_string(context));
  }
}

}  // namespace

bool answer_knows(const std::string& generated, const KnowledgeItem& item) {
  const std::string answer = normalize_for_match(generated);
  if (item.key_facts.empty()) return contains_phrase(answer, normalize_for_match(item.answer));
  for (const std::string& fact : item.key_facts)
    if (!contains_phrase(answer, normalize_for_match(fact))) return false;
  return true;
}

std::vector<std::string> answer_questions(CausalLM& model, const QACollator& collator,
                                          const std::vector<std::string>& questions, const AnswerOptions& options) {
  std::vector<std::vector<int64_t>> prompts;
  for (const std::string& q : questions) prompts.push_back(collator.prompt_ids(q));
  require_fits_context(model, prompts, questions);
  // Similar lengths together: less padding, and the result does not depend on the batch size
  // beyond what left padding already guarantees.
  std::vector<size_t> order(prompts.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return prompts[a].size() < prompts[b].size(); });

  GenerationOptions generation;
  generation.max_new_tokens = options.max_new_tokens;
  generation.sampling = options.sampling;
  generation.stop_token_ids = {collator.tokenizer().eos_id()};
  std::vector<std::string> answers(questions.size());
  ProgressBar bar("answer", static_cast<int64_t>(questions.size()), "question", options.progress);
  torch::NoGradGuard no_grad;
  const auto batch = static_cast<size_t>(std::max<int64_t>(1, options.batch_size));
  for (size_t begin = 0; begin < order.size(); begin += batch) {
    const size_t end = std::min(order.size(), begin + batch);
    std::vector<std::vector<int64_t>> chunk;
    for (size_t i = begin; i < end; ++i) chunk.push_back(prompts[order[i]]);
    // Each batch gets its own seed so sampled answers do not depend on what ran before.
    generation.sampling.seed = options.sampling.seed + begin;
    const auto outputs = generate(model, chunk, generation);
    for (size_t i = begin; i < end; ++i) {
      std::string text = collator.tokenizer().decode(outputs[i - begin], /*skip_special_tokens=*/true);
      const size_t first = text.find_first_not_of(" \n\t"), last = text.find_last_not_of(" \n\t");
      answers[order[i]] = first == std::string::npos ? "" : text.substr(first, last - first + 1);
    }
    bar.update(static_cast<int64_t>(end));
  }
  return answers;
}

KnowledgeReport evaluate_knowledge(CausalLM& model, const QACollator& collator, const std::vector<KnowledgeItem>& items,
                                   const AnswerOptions& options) {
  std::vector<std::string> questions;
  for (const KnowledgeItem& item : items) questions.push_back(item.question);
  KnowledgeReport report;
  report.generated = answer_questions(model, collator, questions, options);
  std::map<std::string, std::pair<int64_t, int64_t>> per_split;  // split -> (known, total)
  int64_t known_total = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    const bool known = answer_knows(report.generated[i], items[i]);
    report.known.push_back(known);
    auto& counts = per_split[items[i].split.empty() ? "all" : items[i].split];
    counts.first += known;
    counts.second += 1;
    known_total += known;
  }
  nlohmann::json accuracy = nlohmann::json::object(), counts = nlohmann::json::object();
  for (const auto& [split, c] : per_split) {
    accuracy[split] = static_cast<double>(c.first) / static_cast<double>(c.second);
    counts[split] = c.second;
  }
  report.metrics = {{"knowledge_accuracy", accuracy},
                    {"items", counts},
                    {"overall", items.empty() ? 0.0 : static_cast<double>(known_total) / static_cast<double>(items.size())}};
  return report;
}

}  // namespace llmedit
