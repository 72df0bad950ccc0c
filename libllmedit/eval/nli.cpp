#include "libllmedit/eval/nli.h"

#include <torch/torch.h>

#include <cctype>

#include "libllmedit/core/error.h"

namespace llmedit {

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

LogitsNli::LogitsNli(std::string name, LogitsFn logits, std::vector<std::string> id2label)
    : name_(std::move(name)), logits_(std::move(logits)) {
  if (id2label.empty()) throw data_error(name_ + ": the NLI model's config.json has no id2label");
  for (std::string& label : id2label) id2label_.push_back(lower(label));
}

std::vector<std::string> LogitsNli::classify(const std::vector<NliPair>& pairs) const {
  if (pairs.empty()) return {};
  const torch::Tensor logits = logits_(pairs);  // [N, C]
  if (logits.dim() != 2 || logits.size(0) != static_cast<int64_t>(pairs.size()) ||
      logits.size(1) != static_cast<int64_t>(id2label_.size()))
    throw data_error(name_ + ": NLI logits of shape " + c10::str(logits.sizes()) + " for " + std::to_string(pairs.size()) + " pairs and " +
                     std::to_string(id2label_.size()) + " labels");
  const torch::Tensor best = logits.argmax(1).cpu();  // [N]
  std::vector<std::string> out;
  for (int64_t i = 0; i < best.size(0); ++i) out.push_back(id2label_.at(static_cast<size_t>(best[i].item<int64_t>())));
  return out;
}

NliPair forget_nli_pair(const std::string& generated, const std::string& ground_truth) { return {generated, ground_truth}; }

NliPair retain_nli_pair(const std::string& generated, const std::string& ground_truth) { return {ground_truth, generated}; }

bool is_contradiction(const std::string& label) { return lower(label) == "contradiction"; }

}  // namespace llmedit
