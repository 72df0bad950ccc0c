// Natural-language inference for KFR/KRR: does a premise entail, contradict or say nothing
// about a hypothesis? Labels are the checkpoint's own (config.json id2label, lower-cased), so
// any label order works (deberta-v3-base-tasksource-nli: entailment, neutral, contradiction).
// Pair directions as the ReLearn evaluation (zjunlp/unlearn evals/evaluate.py) sets them:
// forget items ask whether the generated answer contradicts the ground truth (premise =
// generated, hypothesis = ground truth); retain items the reverse (premise = ground truth,
// hypothesis = generated).
#pragma once
#include <torch/types.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace llmedit {

using NliPair = std::pair<std::string, std::string>;  // (premise, hypothesis)

class NliModel {
 public:
  virtual ~NliModel() = default;
  virtual std::string name() const = 0;
  // One lower-cased label per pair, in order.
  virtual std::vector<std::string> classify(const std::vector<NliPair>& pairs) const = 0;
};

// A sequence-classification model given as a function (pairs -> logits [N, C]) and its id2label:
// the label of the largest logit, as transformers' text-classification pipeline returns it.
class LogitsNli : public NliModel {
 public:
  using LogitsFn = std::function<torch::Tensor(const std::vector<NliPair>&)>;
  LogitsNli(std::string name, LogitsFn logits, std::vector<std::string> id2label);
  std::string name() const override { return name_; }
  std::vector<std::string> classify(const std::vector<NliPair>& pairs) const override;

 private:
  std::string name_;
  LogitsFn logits_;
  std::vector<std::string> id2label_;  // lower-cased
};

NliPair forget_nli_pair(const std::string& generated, const std::string& ground_truth);
NliPair retain_nli_pair(const std::string& generated, const std::string& ground_truth);

bool is_contradiction(const std::string& label);  // "contradiction", any case

}  // namespace llmedit
