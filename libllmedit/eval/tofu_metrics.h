// TOFU's likelihood metrics (Maini et al. 2024, locuslab/tofu evaluate_util.py and
// aggregate_eval_stat.py), from per-token mean NLLs of answers given the question (answer
// tokens and the closing EOS, as TOFU's labels score them):
//   probability  P(a|q)^(1/|a|) = exp(−mean NLL) of the ground-truth answer, averaged over items
//   truth ratio  R = G / P(ã|q)^(1/|ã|) = exp(NLL_ã − mean_k NLL_â_k), where ã is the
//                paraphrased answer and G the geometric mean over the perturbed answers â_k of
//                P(â_k|q)^(1/|â_k|). (The paper writes an arithmetic mean over the perturbed
//                answers; TOFU's code averages their per-token losses, i.e. a geometric mean,
//                and so does this.) R < 1: the model prefers the correct paraphrase.
//   reported     forget sets: mean of min(R, 1/R); other sets: mean of max(0, 1 − R), as in
//                TOFU's aggregate_eval_stat.py.
#pragma once
#include <vector>

namespace llmedit {

// exp(−mean NLL); 0 when the mean is not finite.
double normalized_probability(double mean_nll);

// R = exp(NLL_para − mean_k NLL_pert_k) from per-token mean NLLs; NaN without perturbed answers.
double truth_ratio(double paraphrased_mean_nll, const std::vector<double>& perturbed_mean_nll);

double truth_ratio_forget_statistic(double ratio);  // min(R, 1/R)
double truth_ratio_retain_statistic(double ratio);  // max(0, 1 − R)

}  // namespace llmedit
