// The Linguistic Score of the ReLearn evaluation (zjunlp/unlearn, evals/evaluate.py): how fluent
// and varied the responses are, from three components averaged over a set's responses:
//   PPL  perplexity of the response's tokens given the question, under a scorer model
//   BI   Brunet's index  N^(V^-0.165)                         (N tokens, V types)
//   HS   Honoré's statistic 100·ln N / (1 − V1/V + 0.1)      (V1 types seen once; 0.1 = the
//        reference's epsilon that keeps a text without repeated words finite)
//   LS = 3 / ((1 + PPL) + (1 + BI) + (1 + HS)/HS)
// LS is the harmonic mean of σ(−ln PPL) = 1/(1+PPL), σ(−ln BI) = 1/(1+BI) and σ(ln HS) =
// HS/(1+HS), which is how the reference writes it (as_mean). With PPL 14.47, BI 7.16 and
// HS 1896.8 it is 0.1218.
#pragma once
#include <string>
#include <vector>

#include "libllmedit/eval/answer_likelihood.h"

namespace llmedit {

// Lower-cased word tokens in the manner of nltk's word_tokenize (Penn Treebank rules), which
// the reference counts: punctuation marks are tokens of their own, "n't"/"'s"/"'re"/"'ll"/
// "'ve"/"'d"/"'m" are split off, '@' '#' '$' '%' '&' ';' separate, a comma or colon inside
// digits ("1,000") stays. An approximation: no Punkt sentence splitting, so every word-final
// period is split off (nltk keeps the period of a non-final abbreviation such as "Dr.").
std::vector<std::string> lexical_tokens(const std::string& text);

// N^(V^-0.165); 1000 for a response with no tokens (the reference's value).
double brunet_index(const std::vector<std::string>& tokens);
// 100·ln N / (1 − V1/V + 0.1), at most 1e6; 0 when N <= 1 (the reference's values).
double honore_statistic(const std::vector<std::string>& tokens);
// 3 / ((1 + PPL) + (1 + BI) + (1 + HS)/HS); 0 when HS <= 0 or a component is not finite.
double linguistic_score(double ppl, double bi, double hs);

struct LinguisticSummary {
  double ppl = 0.0, bi = 0.0, hs = 0.0, ls = 0.0;
  int64_t responses = 0;
  int64_t ppl_dropped = 0;  // responses without a finite perplexity (e.g. empty), left out of PPL
};

// Means over responses (perplexities that are not finite are left out, as the reference does),
// then LS of the means.
LinguisticSummary summarize_linguistics(const std::vector<double>& ppl, const std::vector<double>& bi,
                                        const std::vector<double>& hs);

// The NLL of each response's own tokens (no EOS) after its question, under `scorer` with its
// prompt format. An empty response scores no token (tokens 0: its perplexity is NaN, skipped and
// counted by summarize_linguistics), as in the reference.
std::vector<AnswerNll> response_nll(CausalLM& scorer, const QACollator& collator, const std::vector<std::string>& questions,
                                    const std::vector<std::string>& responses, int64_t batch_size);

// exp(mean NLL); NaN when no token was scored.
double perplexity(const AnswerNll& nll);

}  // namespace llmedit
