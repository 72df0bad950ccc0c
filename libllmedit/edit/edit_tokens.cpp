#include "libllmedit/edit/edit_tokens.h"

#include <torch/torch.h>

#include <algorithm>

#include "libllmedit/core/error.h"
#include "libllmedit/model/causal_lm.h"
#include "libllmedit/tokenizer/tokenizer.h"

namespace llmedit {

namespace {

std::string request_name(const EditRequest& request, size_t index) {
  return "request " + std::to_string(index) + " (subject '" + request.subject + "')";
}

bool starts_with(const std::vector<int64_t>& all, const std::vector<int64_t>& prefix) {
  return prefix.size() <= all.size() && std::equal(prefix.begin(), prefix.end(), all.begin());
}

}  // namespace

void check_edit_request(const EditRequest& request, size_t index) {
  const size_t at = request.prompt.find("{}");
  if (at == std::string::npos) {
    std::string hint;
    if (!request.subject.empty() && request.prompt.find(request.subject) != std::string::npos)
      hint = " (write \"{}\" in place of the subject)";
    throw data_error(request_name(request, index) + ": prompt \"" + request.prompt +
                     "\" has no \"{}\" where the subject goes" + hint);
  }
  if (request.prompt.find("{}", at + 2) != std::string::npos)
    throw data_error(request_name(request, index) + ": prompt \"" + request.prompt + "\" has more than one \"{}\"");
  if (request.subject.find_first_not_of(" \t\n") == std::string::npos)
    throw data_error(request_name(request, index) + ": the subject is empty");
  if (request.target_new.empty()) throw data_error(request_name(request, index) + ": target_new is empty");
}

std::string fill_template(const std::string& text_template, const std::string& subject) {
  std::string text = text_template;
  const size_t at = text.find("{}");
  if (at != std::string::npos) text.replace(at, 2, subject);
  return text;
}

int64_t subject_last_index(const Tokenizer& tokenizer, const std::string& text_template, const std::string& subject,
                           const std::string& where) {
  const size_t at = text_template.find("{}");
  if (at == std::string::npos) throw data_error(where + ": prompt \"" + text_template + "\" has no \"{}\"");
  const std::vector<int64_t> through_subject = tokenizer.encode(text_template.substr(0, at) + subject, true);
  const std::vector<int64_t> prefix_only = tokenizer.encode(text_template.substr(0, at), true);
  const std::vector<int64_t> full = tokenizer.encode(fill_template(text_template, subject), true);
  if (through_subject.size() <= prefix_only.size() || !starts_with(full, through_subject))
    throw data_error(where + ": subject '" + subject + "' is not a whole run of tokens in \"" +
                     fill_template(text_template, subject) + "\"");
  return static_cast<int64_t>(through_subject.size()) - 1;
}

std::vector<int64_t> continuation_ids(const Tokenizer& tokenizer, const std::string& prompt, const std::string& target) {
  const std::vector<int64_t> head = tokenizer.encode(prompt, true);
  const std::vector<int64_t> all = tokenizer.encode(prompt + " " + target, true);
  if (all.size() > head.size() && starts_with(all, head)) return {all.begin() + static_cast<int64_t>(head.size()), all.end()};
  return tokenizer.encode(" " + target, false);
}

PaddedIds right_pad(const std::vector<std::vector<int64_t>>& sequences, int64_t pad_id) {
  size_t T = 1;
  for (const auto& s : sequences) T = std::max(T, s.size());
  const auto B = static_cast<int64_t>(sequences.size());
  PaddedIds out{torch::full({B, static_cast<int64_t>(T)}, pad_id, torch::kLong),
                torch::zeros({B, static_cast<int64_t>(T)}, torch::kLong)};
  for (int64_t b = 0; b < B; ++b) {
    const auto& s = sequences[static_cast<size_t>(b)];
    const auto n = static_cast<int64_t>(s.size());
    if (n == 0) continue;
    out.ids[b].narrow(0, 0, n).copy_(torch::tensor(s, torch::kLong));
    out.mask[b].narrow(0, 0, n).fill_(1);
  }
  return out;
}

std::vector<double> continuation_log_probs(CausalLM& model, const std::vector<std::vector<int64_t>>& prompts,
                                           const std::vector<std::vector<int64_t>>& continuations, int64_t batch_size) {
  torch::NoGradGuard no_grad;
  std::vector<double> out(prompts.size(), 0.0);
  for (size_t begin = 0; begin < prompts.size(); begin += static_cast<size_t>(batch_size)) {
    const size_t end = std::min(prompts.size(), begin + static_cast<size_t>(batch_size));
    std::vector<std::vector<int64_t>> rows;
    for (size_t i = begin; i < end; ++i) {
      rows.push_back(prompts[i]);
      rows.back().insert(rows.back().end(), continuations[i].begin(), continuations[i].end());
    }
    const PaddedIds batch = right_pad(rows);
    ForwardOptions forward;
    forward.attention_mask = batch.mask.to(model.device());
    const torch::Tensor log_probs =
        torch::log_softmax(model.forward(batch.ids.to(model.device()), forward).logits.to(torch::kFloat), -1)
            .to(torch::kCPU);  // [B, T, V]
    for (size_t i = begin; i < end; ++i) {
      const auto& p = prompts[i];
      const auto& c = continuations[i];
      if (c.empty()) continue;
      double sum = 0;
      for (size_t j = 0; j < c.size(); ++j) {
        // The token at position |p| + j is predicted at position |p| + j - 1.
        const auto t = static_cast<int64_t>(p.size() + j) - 1;
        sum += log_probs[static_cast<int64_t>(i - begin)][t][c[j]].item<double>();
      }
      out[i] = sum / static_cast<double>(c.size());
    }
  }
  return out;
}

FrozenWeights::FrozenWeights(CausalLM& model) {
  for (torch::Tensor& p : model.parameters()) {
    saved_.emplace_back(p, p.requires_grad());
    p.requires_grad_(false);
  }
}

FrozenWeights::~FrozenWeights() {
  for (auto& [p, flag] : saved_) p.requires_grad_(flag);
}

}  // namespace llmedit
