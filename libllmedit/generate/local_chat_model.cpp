#include "libllmedit/generate/local_chat_model.h"

#include <torch/torch.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <tuple>

#include "libllmedit/core/error.h"
#include "libllmedit/generate/generator.h"

namespace llmedit {

namespace {

using SamplingKey = std::tuple<int64_t, double, double, int64_t, uint64_t>;

SamplingKey key_of(const ChatSampling& s) { return {s.max_tokens, s.temperature, s.top_p, s.top_k, s.seed}; }

GenerationOptions generation_options(const ChatSampling& s, int64_t eos_id) {
  GenerationOptions g;
  g.max_new_tokens = s.max_tokens;
  g.sampling.greedy = s.temperature <= 0.0;
  g.sampling.temperature = s.temperature > 0.0 ? s.temperature : 1.0;
  g.sampling.top_p = s.top_p;
  g.sampling.top_k = s.top_k;
  g.sampling.seed = s.seed;
  if (eos_id >= 0) g.stop_token_ids = {eos_id};
  return g;
}

std::string trim(const std::string& text) {
  const size_t first = text.find_first_not_of(" \n\t"), last = text.find_last_not_of(" \n\t");
  return first == std::string::npos ? "" : text.substr(first, last - first + 1);
}

void check_sampling(const ChatSampling& s, const std::string& where) {
  if (s.max_tokens < 1) throw usage_error(where + ": max_tokens must be at least 1, got " + std::to_string(s.max_tokens));
  if (s.temperature < 0.0) throw usage_error(where + ": temperature must be >= 0, got " + std::to_string(s.temperature));
  if (!(s.top_p > 0.0 && s.top_p <= 1.0)) throw usage_error(where + ": top_p must be in (0, 1], got " + std::to_string(s.top_p));
  if (s.top_k < 0) throw usage_error(where + ": top_k must be >= 0, got " + std::to_string(s.top_k));
}

}  // namespace

LocalChatModel::LocalChatModel(std::shared_ptr<CausalLM> model, std::shared_ptr<Tokenizer> tokenizer,
                               ChatTemplate chat_template, LocalChatModelOptions options)
    : model_(std::move(model)), tokenizer_(std::move(tokenizer)), template_(std::move(chat_template)), options_(std::move(options)) {
  model_->eval();
}

std::vector<int64_t> LocalChatModel::prompt_ids(const std::vector<ChatMessage>& messages) const {
  std::vector<int64_t> ids = tokenizer_->encode_rendered(template_.render(messages, /*add_generation_prompt=*/true));
  // Templates that write no BOS (QA, ChatML) still get it when the model has one, as in training.
  const int64_t bos = tokenizer_->bos_id();
  if (bos >= 0 && (ids.empty() || ids.front() != bos)) ids.insert(ids.begin(), bos);
  return ids;
}

std::vector<std::string> LocalChatModel::complete(const std::vector<ChatRequest>& requests) {
  std::vector<std::string> out;
  for (ChatCompletion& c : complete_detailed(requests)) out.push_back(std::move(c.text));
  return out;
}

std::vector<ChatCompletion> LocalChatModel::complete_detailed(const std::vector<ChatRequest>& requests) {
  std::vector<std::vector<int64_t>> prompts(requests.size());
  std::map<SamplingKey, std::vector<size_t>> groups;
  std::vector<int64_t> max_tokens(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    const std::string where = options_.name + ": request " + std::to_string(i);
    check_sampling(requests[i].sampling, where);
    if (requests[i].messages.empty()) throw usage_error(where + ": no messages");
    try {
      prompts[i] = prompt_ids(requests[i].messages);
    } catch (const Error& e) {
      throw Error(e.kind(), where + ": " + e.what());
    }
    // A reply stops where the context ends (finish_reason "length"), as llama.cpp's server does;
    // only a prompt that fills the context by itself is an error.
    ChatSampling sampling = requests[i].sampling;
    const int64_t context = model_->spec().max_position_embeddings, length = static_cast<int64_t>(prompts[i].size());
    if (context > 0 && length >= context)
      throw usage_error(where + ": the prompt's " + std::to_string(length) + " tokens fill the model's context of " +
                        std::to_string(context));
    if (context > 0) sampling.max_tokens = std::min(sampling.max_tokens, context - length);
    groups[key_of(sampling)].push_back(i);
    max_tokens[i] = sampling.max_tokens;
  }

  std::lock_guard<std::mutex> lock(mutex_);
  const int64_t eos = tokenizer_->eos_id();
  std::vector<ChatCompletion> out(requests.size());
  const auto batch = static_cast<size_t>(std::max<int64_t>(1, options_.batch_size));
  for (auto& [key, members] : groups) {
    // Similar lengths together: less padding.
    std::stable_sort(members.begin(), members.end(), [&](size_t a, size_t b) { return prompts[a].size() < prompts[b].size(); });
    GenerationOptions generation = generation_options(requests[members.front()].sampling, eos);
    generation.max_new_tokens = max_tokens[members.front()];
    for (size_t begin = 0; begin < members.size(); begin += batch) {
      const size_t end = std::min(members.size(), begin + batch);
      std::vector<std::vector<int64_t>> chunk;
      for (size_t m = begin; m < end; ++m) chunk.push_back(prompts[members[m]]);
      const auto tokens = generate(*model_, chunk, generation);
      for (size_t m = begin; m < end; ++m) {
        const std::vector<int64_t>& t = tokens[m - begin];
        ChatCompletion& c = out[members[m]];
        const bool stopped = !t.empty() && ((eos >= 0 && t.back() == eos) || t.back() == model_->spec().eos_token_id);
        c.finish_reason = stopped ? "stop" : "length";
        c.prompt_tokens = static_cast<int64_t>(chunk[m - begin].size());
        c.completion_tokens = static_cast<int64_t>(t.size());
        c.text = trim(tokenizer_->decode(t, /*skip_special_tokens=*/true));
      }
    }
  }
  return out;
}

}  // namespace llmedit
