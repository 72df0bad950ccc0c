#include "libllmedit/edit/context_templates.h"

#include <nlohmann/json.hpp>

#include <filesystem>

#include "libllmedit/core/atomic_file.h"
#include "libllmedit/generate/generator.h"
#include "libllmedit/model/causal_lm.h"
#include "libllmedit/tokenizer/tokenizer.h"

namespace llmedit {

namespace {

nlohmann::json options_json(const ContextTemplateOptions& o) {
  return {{"lengths", o.lengths}, {"top_k", o.top_k}, {"seed", o.seed}};
}

// Braces would be read as the subject's slot; newlines would end the prompt early.
std::string clean(std::string text) {
  for (char& c : text)
    if (c == '{' || c == '}' || c == '\n' || c == '\r') c = ' ';
  const size_t first = text.find_first_not_of(' ');
  const size_t last = text.find_last_not_of(' ');
  return first == std::string::npos ? "" : text.substr(first, last - first + 1);
}

std::vector<std::string> sample_templates(CausalLM& model, const Tokenizer& tokenizer, const ContextTemplateOptions& o) {
  static const char* const kOpenings[] = {"The", "Therefore", "Because", "I", "You"};
  std::vector<std::string> out = {"{}"};
  uint64_t round = 0;
  for (const auto& [length, count] : o.lengths) {
    std::vector<std::vector<int64_t>> prompts;
    for (int64_t i = 0; i < count; ++i) prompts.push_back(tokenizer.encode(kOpenings[(i * 5) / std::max<int64_t>(count, 1)], true));
    GenerationOptions g;
    g.max_new_tokens = std::max<int64_t>(1, length - 1);  // the opening word is the first token
    g.sampling.greedy = false;
    g.sampling.top_k = o.top_k;
    g.sampling.seed = o.seed + round++;
    const std::vector<std::vector<int64_t>> generated = generate(model, prompts, g);
    for (size_t i = 0; i < prompts.size(); ++i) {
      std::vector<int64_t> ids(prompts[i].begin(), prompts[i].end());
      ids.insert(ids.end(), generated[i].begin(), generated[i].end());
      out.push_back(clean(tokenizer.decode(ids, true)) + ". {}");
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> context_templates(CausalLM& model, const Tokenizer& tokenizer,
                                           const ContextTemplateOptions& options, const std::string& cache_path) {
  if (!cache_path.empty() && std::filesystem::exists(cache_path)) {
    const nlohmann::json cached = nlohmann::json::parse(read_text_file(cache_path), nullptr, false);
    if (cached.is_object() && cached.value("options", nlohmann::json()) == options_json(options) &&
        cached.contains("templates"))
      return cached["templates"].get<std::vector<std::string>>();
  }
  std::vector<std::string> templates = sample_templates(model, tokenizer, options);
  if (!cache_path.empty()) {
    std::filesystem::create_directories(std::filesystem::path(cache_path).parent_path());
    write_text_atomic(cache_path, nlohmann::json{{"options", options_json(options)}, {"templates", templates}}.dump(2) + "\n");
  }
  return templates;
}

}  // namespace llmedit
