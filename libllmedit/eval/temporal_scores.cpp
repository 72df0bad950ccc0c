#include "libllmedit/eval/temporal_scores.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "libllmedit/core/error.h"
#include "libllmedit/edit/edit_tokens.h"
#include "libllmedit/generate/generator.h"
#include "libllmedit/model/causal_lm.h"
#include "libllmedit/tokenizer/tokenizer.h"

namespace llmedit {

TemporalScorer parse_temporal_scorer(const std::string& name, const std::string& field) {
  if (name == "match") return TemporalScorer::Match;
  if (name == "nll") return TemporalScorer::Nll;
  throw config_error(field + " must be \"match\" or \"nll\", got \"" + name + "\"");
}

const char* temporal_scorer_name(TemporalScorer scorer) { return scorer == TemporalScorer::Match ? "match" : "nll"; }

const char* temporal_measure_name(TemporalMeasure measure) {
  static const char* const names[kTemporalMeasures] = {"CES", "CES-P", "CRS", "HES", "HRS", "HES*"};
  return names[static_cast<size_t>(measure)];
}

std::string normalize_answer(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  auto flush = [&] {
    if (!word.empty() && word != "a" && word != "an" && word != "the") words.push_back(word);
    word.clear();
  };
  for (unsigned char c : text) {
    if (std::isspace(c)) {
      flush();
    } else if (c >= 0x80 || std::isalnum(c)) {
      word += static_cast<char>(std::tolower(c));
    }  // punctuation is dropped inside words too ("O'Neil" → "oneil"), as SQuAD's normalizer does
  }
  flush();
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

bool continuation_matches(const std::string& continuation, const std::vector<std::string>& golds) {
  const std::string text = " " + normalize_answer(continuation) + " ";
  for (const std::string& gold : golds) {
    const std::string g = normalize_answer(gold);
    if (!g.empty() && text.find(" " + g + " ") != std::string::npos) return true;
  }
  return false;
}

std::vector<std::string> with_aliases(const std::vector<std::vector<std::string>>& answers,
                                      const std::vector<std::vector<std::string>>& aliases, size_t step) {
  std::vector<std::string> golds = answers.at(step);
  if (step < aliases.size()) golds.insert(golds.end(), aliases[step].begin(), aliases[step].end());
  return golds;
}

namespace {

TemporalQuery history_query(const AtokeCase& c, size_t step, TemporalMeasure measure, const std::string& prompt) {
  return {measure, step, prompt, with_aliases(c.answer, c.answer_alias, step), c.new_answer.at(step).at(0)};
}

}  // namespace

std::vector<TemporalQuery> step_queries(const AtokeCase& c, size_t step) {
  const AtokeEvaluation& e = c.requested_rewrite.at(step).evaluation;
  const std::vector<std::string> golds = with_aliases(c.new_answer, c.new_answer_alias, step);
  const std::string competitor = c.answer.at(step).at(0);
  std::vector<TemporalQuery> out = {{TemporalMeasure::CES, step, e.time_completion, golds, competitor},
                                    {TemporalMeasure::CESP, step, e.paraphrase_time_completion, golds, competitor},
                                    {TemporalMeasure::CRS, step, e.completion, golds, competitor}};
  if (step < c.history_evaluation.size()) {
    const AtokeEvaluation& h = c.history_evaluation[step];
    out.push_back(history_query(c, step, TemporalMeasure::HES, h.time_completion));
    out.push_back(history_query(c, step, TemporalMeasure::HRS, h.completion));
  }
  return out;
}

std::vector<TemporalQuery> final_history_queries(const AtokeCase& c) {
  std::vector<TemporalQuery> out;
  for (size_t j = 0; j < c.history_evaluation.size(); ++j)
    out.push_back(history_query(c, j, TemporalMeasure::HESStar, c.history_evaluation[j].time_completion));
  return out;
}

std::vector<std::string> ModelAnswerer::continuations(const std::vector<std::string>& prompts) {
  GenerationOptions greedy;
  greedy.max_new_tokens = max_new_tokens_;
  std::vector<std::string> out;
  for (size_t begin = 0; begin < prompts.size(); begin += static_cast<size_t>(batch_size_)) {
    std::vector<std::vector<int64_t>> batch;
    for (size_t i = begin; i < std::min(prompts.size(), begin + static_cast<size_t>(batch_size_)); ++i)
      batch.push_back(tokenizer_.encode(prompts[i], true));
    for (const auto& ids : generate(model_, batch, greedy)) out.push_back(tokenizer_.decode(ids, true));
  }
  return out;
}

std::vector<double> ModelAnswerer::mean_nll(const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::vector<std::vector<int64_t>> heads, tails;
  for (const auto& [prompt, answer] : pairs) {
    heads.push_back(tokenizer_.encode(prompt, true));
    tails.push_back(continuation_ids(tokenizer_, prompt, answer));
  }
  std::vector<double> out = continuation_log_probs(model_, heads, tails, batch_size_);
  for (double& x : out) x = -x;
  return out;
}

nlohmann::json QueryResult::to_json() const {
  nlohmann::json j = {{"measure", temporal_measure_name(query.measure)},
                      {"step", query.step},
                      {"prompt", query.prompt},
                      {"gold", query.golds.at(0)},
                      {"correct", correct}};
  if (!continuation.empty()) j["continuation"] = continuation;
  if (gold_nll != 0 || competitor_nll != 0) {
    j["gold_nll"] = gold_nll;
    j["competitor"] = query.competitor;
    j["competitor_nll"] = competitor_nll;
  }
  return j;
}

std::vector<QueryResult> score_queries(TemporalAnswerer& answerer, const std::vector<TemporalQuery>& queries,
                                       TemporalScorer scorer) {
  std::vector<QueryResult> out;
  for (const TemporalQuery& q : queries) {
    out.emplace_back();
    out.back().query = q;
  }
  if (scorer == TemporalScorer::Match) {
    std::vector<std::string> prompts;
    for (const TemporalQuery& q : queries) prompts.push_back(q.prompt);
    const std::vector<std::string> texts = answerer.continuations(prompts);
    for (size_t i = 0; i < out.size(); ++i) {
      out[i].continuation = texts.at(i);
      out[i].correct = continuation_matches(texts[i], queries[i].golds);
    }
    return out;
  }
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const TemporalQuery& q : queries) {
    pairs.emplace_back(q.prompt, q.golds.at(0));
    pairs.emplace_back(q.prompt, q.competitor);
  }
  const std::vector<double> nll = answerer.mean_nll(pairs);
  for (size_t i = 0; i < out.size(); ++i) {
    out[i].gold_nll = nll.at(2 * i);
    out[i].competitor_nll = nll.at(2 * i + 1);
    // A gold equal to its competitor (EE: the object is unchanged) cannot be preferred to itself.
    out[i].correct = queries[i].golds[0] != queries[i].competitor && out[i].gold_nll < out[i].competitor_nll;
  }
  return out;
}

nlohmann::json temporal_metric_formulas() {
  const std::string mean = "; mean over a case's steps, then over cases (AToKe, Yin et al. 2024)";
  const std::string scored = " is correct: the greedy continuation (eval.max_new_tokens) contains the gold or an alias "
                             "as whole words after normalization (match), or NLL(gold) < NLL(competitor) (nll)";
  return {{"CES", "after each step, evaluation.time_completion → new_answer" + scored + mean},
          {"CES-P", "after each step, evaluation.paraphrase_time_completion → new_answer" + scored + mean},
          {"CRS", "after each step, evaluation.completion → new_answer" + scored + mean},
          {"HES", "after each step, history_evaluation[step].time_completion → answer[step]" + scored + mean},
          {"HRS", "after each step, history_evaluation[step].completion → answer[step]" + scored + mean},
          {"HES*", "after the last step, every history_evaluation[j].time_completion → answer[j]" + scored + mean}};
}

void TemporalScoreTable::add_case(const std::vector<QueryResult>& results) {
  std::array<double, kTemporalMeasures> sum{};
  std::array<int64_t, kTemporalMeasures> n{};
  for (const QueryResult& r : results) {
    const auto m = static_cast<size_t>(r.query.measure);
    sum[m] += r.correct ? 1.0 : 0.0;
    ++n[m];
  }
  for (size_t m = 0; m < kTemporalMeasures; ++m) {
    if (n[m] == 0) continue;
    sum_[m] += sum[m] / static_cast<double>(n[m]);
    ++cases_[m];
  }
  ++total_cases_;
}

nlohmann::json TemporalScoreTable::to_json() const {
  nlohmann::json j = nlohmann::json::object();
  for (size_t m = 0; m < kTemporalMeasures; ++m)
    j[temporal_measure_name(static_cast<TemporalMeasure>(m))] =
        cases_[m] == 0 ? nlohmann::json() : nlohmann::json(sum_[m] / static_cast<double>(cases_[m]));
  return j;
}

}  // namespace llmedit
