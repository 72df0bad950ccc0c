#include "libllmedit/eval/edit_metrics.h"

#include <torch/torch.h>

#include <cctype>
#include <cmath>
#include <limits>
#include <map>

#include "libllmedit/edit/edit_tokens.h"
#include "libllmedit/generate/generator.h"
#include "libllmedit/model/causal_lm.h"
#include "libllmedit/tokenizer/tokenizer.h"

namespace llmedit {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Words as nltk.word_tokenize roughly splits them: runs of letters/digits, and each other
// non-space character alone.
std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out;
  std::string current;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c >= 0x80 || c == '\'') {
      current += static_cast<char>(c);
      continue;
    }
    if (!current.empty()) out.push_back(current), current.clear();
    if (!std::isspace(c)) out.emplace_back(1, static_cast<char>(c));
  }
  if (!current.empty()) out.push_back(current);
  return out;
}

std::string normalized(const std::string& text) {
  std::string out;
  bool space = false;
  for (unsigned char c : text) {
    if (std::isspace(c)) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += static_cast<char>(std::tolower(c));
  }
  return out;
}

bool starts_with_words(const std::string& text, const std::string& target) {
  const std::string t = normalized(text), g = normalized(target);
  if (g.empty() || t.compare(0, g.size(), g) != 0) return false;
  return t.size() == g.size() || !std::isalnum(static_cast<unsigned char>(t[g.size()]));
}

double mean_of(const std::vector<double>& v) {
  if (v.empty()) return kNaN;
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

// P(new) > P(true) for each prompt.
std::vector<double> prefers_new(CausalLM& model, const Tokenizer& tokenizer, const std::vector<std::string>& prompts,
                                const EditRequest& r, int64_t batch_size, double* logp_new = nullptr,
                                double* logp_true = nullptr) {
  std::vector<std::vector<int64_t>> heads, tails;
  for (const std::string& p : prompts) {
    const std::vector<int64_t> head = tokenizer.encode(p, true);
    heads.push_back(head);
    tails.push_back(continuation_ids(tokenizer, p, r.target_new));
    heads.push_back(head);
    tails.push_back(continuation_ids(tokenizer, p, r.target_true));
  }
  const std::vector<double> lp = continuation_log_probs(model, heads, tails, batch_size);
  std::vector<double> out;
  for (size_t i = 0; i < prompts.size(); ++i) out.push_back(lp[2 * i] > lp[2 * i + 1] ? 1.0 : 0.0);
  if (logp_new && !lp.empty()) *logp_new = lp[0], *logp_true = lp[1];
  return out;
}

// Teacher-forced argmax tokens at each target_true position after each prompt.
std::vector<std::vector<int64_t>> argmax_tokens(CausalLM& model, const Tokenizer& tokenizer,
                                                const std::vector<std::string>& prompts, const std::string& target,
                                                int64_t batch_size) {
  torch::NoGradGuard no_grad;
  std::vector<std::vector<int64_t>> out;
  for (size_t begin = 0; begin < prompts.size(); begin += static_cast<size_t>(batch_size)) {
    const size_t end = std::min(prompts.size(), begin + static_cast<size_t>(batch_size));
    std::vector<std::vector<int64_t>> rows;
    std::vector<std::pair<int64_t, int64_t>> spans;  // first scored position, count
    for (size_t i = begin; i < end; ++i) {
      std::vector<int64_t> ids = tokenizer.encode(prompts[i], true);
      const std::vector<int64_t> tail = continuation_ids(tokenizer, prompts[i], target);
      spans.emplace_back(static_cast<int64_t>(ids.size()) - 1, static_cast<int64_t>(tail.size()));
      if (!tail.empty()) ids.insert(ids.end(), tail.begin(), tail.end() - 1);
      rows.push_back(std::move(ids));
    }
    const PaddedIds batch = right_pad(rows);
    ForwardOptions forward;
    forward.attention_mask = batch.mask.to(model.device());
    const torch::Tensor argmax = model.forward(batch.ids.to(model.device()), forward).logits.argmax(-1).to(torch::kCPU);
    for (size_t i = 0; i < spans.size(); ++i) {
      std::vector<int64_t> tokens;
      for (int64_t t = 0; t < spans[i].second; ++t)
        tokens.push_back(argmax[static_cast<int64_t>(i)][spans[i].first + t].item<int64_t>());
      out.push_back(std::move(tokens));
    }
  }
  return out;
}

}  // namespace

double ngram_entropy(const std::string& text) {
  const std::vector<std::string> w = words(text);
  const double weights[2] = {2.0 / 3.0, 4.0 / 3.0};
  double total = 0;
  for (int k = 0; k < 2; ++k) {
    const size_t n = static_cast<size_t>(k + 2);
    std::map<std::vector<std::string>, double> counts;
    double all = 0;
    for (size_t i = 0; i + n <= w.size(); ++i) {
      counts[std::vector<std::string>(w.begin() + static_cast<int64_t>(i), w.begin() + static_cast<int64_t>(i + n))] += 1;
      all += 1;
    }
    double h = 0;
    for (const auto& [gram, count] : counts) h -= (count / all) * std::log2(count / all);
    total += weights[k] * h;
  }
  return total / 2.0;
}

nlohmann::json CaseSnapshot::to_json() const {
  auto num = [](double x) { return std::isnan(x) ? nlohmann::json() : nlohmann::json(x); };
  return {{"logp_new", logp_new},       {"logp_true", logp_true},         {"efficacy", efficacy},
          {"paraphrase", num(paraphrase)}, {"fluency", num(fluency)},      {"continuation", continuation},
          {"exact_match_new", exact_match_new}, {"exact_match_true", exact_match_true}};
}

CaseSnapshot snapshot_case(CausalLM& model, const Tokenizer& tokenizer, const CounterFactCase& c,
                           const EditMetricOptions& options) {
  const EditRequest& r = c.requested_rewrite;
  CaseSnapshot s;
  const std::string prompt = filled_prompt(r);
  s.efficacy = prefers_new(model, tokenizer, {prompt}, r, options.batch_size, &s.logp_new, &s.logp_true)[0];
  s.paraphrase = mean_of(prefers_new(model, tokenizer, c.paraphrase_prompts, r, options.batch_size));
  s.neighborhood_argmax = argmax_tokens(model, tokenizer, c.neighborhood_prompts, r.target_true, options.batch_size);

  GenerationOptions greedy;
  const auto n_new = static_cast<int64_t>(continuation_ids(tokenizer, prompt, r.target_new).size());
  const auto n_true = static_cast<int64_t>(continuation_ids(tokenizer, prompt, r.target_true).size());
  greedy.max_new_tokens = std::max<int64_t>(1, std::max(n_new, n_true));
  s.continuation = tokenizer.decode(generate(model, {tokenizer.encode(prompt, true)}, greedy)[0], true);
  s.exact_match_new = starts_with_words(s.continuation, r.target_new);
  s.exact_match_true = starts_with_words(s.continuation, r.target_true);

  s.fluency = kNaN;
  if (options.generation_tokens > 0 && !c.generation_prompts.empty()) {
    std::vector<std::vector<int64_t>> prompts;
    for (const std::string& p : c.generation_prompts) prompts.push_back(tokenizer.encode(p, true));
    GenerationOptions g;
    g.max_new_tokens = options.generation_tokens;
    std::vector<double> entropies;
    const auto generated = generate(model, prompts, g);
    for (size_t i = 0; i < generated.size(); ++i)
      entropies.push_back(ngram_entropy(c.generation_prompts[i] + tokenizer.decode(generated[i], true)));
    s.fluency = mean_of(entropies);
  }
  return s;
}

double neighborhood_agreement(const CaseSnapshot& before, const CaseSnapshot& after) {
  std::vector<double> per_prompt;
  for (size_t i = 0; i < before.neighborhood_argmax.size() && i < after.neighborhood_argmax.size(); ++i) {
    const auto& a = before.neighborhood_argmax[i];
    const auto& b = after.neighborhood_argmax[i];
    if (a.empty()) continue;
    double same = 0;
    for (size_t t = 0; t < a.size() && t < b.size(); ++t) same += a[t] == b[t] ? 1 : 0;
    per_prompt.push_back(same / static_cast<double>(a.size()));
  }
  return mean_of(per_prompt);
}

nlohmann::json summarize_snapshots(const std::vector<CaseSnapshot>& snapshots, const std::vector<CaseSnapshot>* before) {
  std::map<std::string, std::vector<double>> values;
  for (size_t i = 0; i < snapshots.size(); ++i) {
    const CaseSnapshot& s = snapshots[i];
    values["efficacy"].push_back(s.efficacy);
    if (!std::isnan(s.paraphrase)) values["paraphrase"].push_back(s.paraphrase);
    if (!std::isnan(s.fluency)) values["fluency"].push_back(s.fluency);
    values["exact_match_new"].push_back(s.exact_match_new ? 1 : 0);
    values["exact_match_true"].push_back(s.exact_match_true ? 1 : 0);
    if (before) {
      const double n = neighborhood_agreement((*before)[i], s);
      if (!std::isnan(n)) values["neighborhood"].push_back(n);
    }
  }
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, v] : values) out[key] = v.empty() ? nlohmann::json() : nlohmann::json(mean_of(v));
  return out;
}

// A mix of relations can average a relation that edits well with one that does not move at all
// (on the world model, birthplaces against professions), so the job reports them apart too.
nlohmann::json summarize_by_relation(const std::vector<CounterFactCase>& cases, const std::vector<CaseSnapshot>& pre,
                                     const std::vector<CaseSnapshot>& post) {
  std::map<std::string, std::vector<size_t>> groups;
  for (size_t i = 0; i < cases.size(); ++i)
    if (const std::string& relation = cases[i].requested_rewrite.relation_id; !relation.empty()) groups[relation].push_back(i);
  if (groups.size() < 2) return nullptr;
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [relation, indices] : groups) {
    std::vector<CaseSnapshot> before, after;
    for (size_t i : indices) {
      before.push_back(pre[i]);
      after.push_back(post[i]);
    }
    out[relation] = {{"requests", indices.size()}, {"pre", summarize_snapshots(before)}, {"post", summarize_snapshots(after, &before)}};
  }
  return out;
}

}  // namespace llmedit
