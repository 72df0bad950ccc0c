// Knowledge Forgetting Rate and Knowledge Retention Rate (ReLearn, Xu et al. 2025; zjunlp/unlearn
// evals/evaluate.py compute_kfr / compute_krr):
//   KFR = mean over forget items of [NLI = contradiction  OR  S <= θ],
//         θ = 0.5 when the ground truth has <= 3 entities, else 0.3
//   KRR = mean over retain items of [NLI != contradiction AND S >= 0.3]
// Without an NLI model the NLI clause is dropped: KFR counts S <= θ, KRR counts S >= 0.3.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace llmedit {

struct ForgettingOptions {
  double theta_few = 0.5;         // θ for ground truths with at most `few_entities` entities
  double theta_many = 0.3;        // θ otherwise (the reference's theta_1)
  int64_t few_entities = 3;
  double retain_threshold = 0.3;  // the reference's theta_2
};

double forget_threshold(int64_t ground_truth_entities, const ForgettingOptions& options);

// `nli_label`: empty when no NLI model is configured.
bool is_forgotten(double similarity, int64_t ground_truth_entities, const std::optional<std::string>& nli_label,
                  const ForgettingOptions& options);
bool is_retained(double similarity, const std::optional<std::string>& nli_label, const ForgettingOptions& options);

// The fraction of true flags; 0 for none.
double flag_rate(const std::vector<bool>& flags);

}  // namespace llmedit
