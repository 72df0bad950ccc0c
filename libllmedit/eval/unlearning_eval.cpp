#include "libllmedit/eval/unlearning_eval.h"

#include <chrono>
#include <cmath>
#include <map>
#include <optional>

#include "libllmedit/core/error.h"
#include "libllmedit/core/logging.h"
#include "libllmedit/eval/answer_likelihood.h"
#include "libllmedit/eval/entropy.h"
#include "libllmedit/eval/linguistic_score.h"
#include "libllmedit/eval/rouge.h"
#include "libllmedit/eval/tofu_metrics.h"

namespace llmedit {

AnswerOptions relearn_generation_defaults(uint64_t seed) {
  AnswerOptions o;
  o.max_new_tokens = 128;
  o.sampling.greedy = false;
  o.sampling.temperature = 0.7;
  o.sampling.top_p = 0.9;
  o.sampling.top_k = 5;
  o.sampling.seed = seed;
  return o;
}

namespace {

enum class SetKind { Forget, Retain };

const char* set_name(SetKind kind) { return kind == SetKind::Forget ? "forget" : "retain"; }

// Per-item columns of one set.
struct SetScores {
  std::vector<std::string> generated;
  std::vector<std::vector<std::string>> gt_entities, gen_entities;
  std::vector<SimilarityResult> similarity;
  std::vector<std::optional<std::string>> nli;
  std::vector<bool> flag;  // forgotten (forget set) or retained (retain set)
  std::vector<RougeRecall> rouge;
  std::vector<AnswerNll> response;  // under the scorer, for PPL
  std::vector<double> bi, hs;
  std::vector<std::optional<bool>> known;  // items with key facts only
  std::vector<double> probability;         // TOFU: exp(−mean NLL) of the ground truth
  std::vector<double> truth_ratio;         // NaN without paraphrased and perturbed answers
  std::vector<double> entropy;             // forget set only
};

void extract_entities(const UnlearningScorers& s, const std::vector<QAItem>& items, SetScores& out) {
  std::vector<EntityRequest> gt, gen;
  for (size_t i = 0; i < items.size(); ++i) {
    gt.push_back({items[i].question, items[i].answer, items[i].key_facts, true});
    gen.push_back({items[i].question, out.generated[i], items[i].key_facts, false});
  }
  out.gt_entities = s.extractor->extract(gt);
  out.gen_entities = s.extractor->extract(gen);
}

void score_similarity(const UnlearningScorers& s, const std::vector<QAItem>& items, const SimilarityOptions& options,
                      SetScores& out) {
  for (size_t i = 0; i < items.size(); ++i)
    out.similarity.push_back(
        entity_similarity(items[i].question, out.gen_entities[i], out.gt_entities[i], *s.embedder, options));
}

void score_nli(const UnlearningScorers& s, SetKind kind, const std::vector<QAItem>& items, SetScores& out) {
  out.nli.assign(items.size(), std::nullopt);
  if (!s.nli) return;
  std::vector<NliPair> pairs;
  for (size_t i = 0; i < items.size(); ++i)
    pairs.push_back(kind == SetKind::Forget ? forget_nli_pair(out.generated[i], items[i].answer)
                                            : retain_nli_pair(out.generated[i], items[i].answer));
  const std::vector<std::string> labels = s.nli->classify(pairs);
  for (size_t i = 0; i < items.size(); ++i) out.nli[i] = labels.at(i);
}

void score_flags(SetKind kind, const ForgettingOptions& options, SetScores& out) {
  for (size_t i = 0; i < out.similarity.size(); ++i) {
    const double S = out.similarity[i].score;
    const auto n_gt = static_cast<int64_t>(out.similarity[i].kept_ground_truth.size());
    out.flag.push_back(kind == SetKind::Forget ? is_forgotten(S, n_gt, out.nli[i], options) : is_retained(S, out.nli[i], options));
  }
}

void score_text(const std::vector<QAItem>& items, SetScores& out) {
  for (size_t i = 0; i < items.size(); ++i) {
    out.rouge.push_back(rouge_recall(items[i].answer, out.generated[i]));
    const std::vector<std::string> tokens = lexical_tokens(out.generated[i]);
    out.bi.push_back(brunet_index(tokens));
    out.hs.push_back(honore_statistic(tokens));
    out.known.push_back(items[i].key_facts.empty()
                            ? std::nullopt
                            : std::optional<bool>(answer_knows(out.generated[i], {items[i].id, items[i].split, items[i].question,
                                                                                  items[i].answer, items[i].key_facts})));
  }
}

// TOFU: the ground truth's probability and, where the item has them, the truth ratio from the
// paraphrased and perturbed answers; every answer is scored in one batched pass.
void score_tofu(const UnlearningScorers& s, const std::vector<QAItem>& items, int64_t batch_size, SetScores& out) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const QAItem& item : items) pairs.emplace_back(item.question, item.answer);
  std::vector<std::pair<size_t, size_t>> ratio_ranges(items.size(), {0, 0});  // [first, last) in pairs: para, perturbed...
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].paraphrased_answer.empty() || items[i].perturbed_answers.empty()) continue;
    ratio_ranges[i].first = pairs.size();
    pairs.emplace_back(items[i].question, items[i].paraphrased_answer);
    for (const std::string& perturbed : items[i].perturbed_answers) pairs.emplace_back(items[i].question, perturbed);
    ratio_ranges[i].second = pairs.size();
  }
  AnswerNllOptions options;
  options.batch_size = batch_size;
  const std::vector<AnswerNll> nll = answer_nll(*s.model, *s.collator, pairs, options);
  for (size_t i = 0; i < items.size(); ++i) {
    out.probability.push_back(normalized_probability(nll[i].mean()));
    const auto [first, last] = ratio_ranges[i];
    if (first == last) {
      out.truth_ratio.push_back(std::nan(""));
      continue;
    }
    std::vector<double> perturbed;
    for (size_t k = first + 1; k < last; ++k) perturbed.push_back(nll[k].mean());
    out.truth_ratio.push_back(truth_ratio(nll[first].mean(), perturbed));
  }
}

void score_entropy(const UnlearningScorers& s, const std::vector<QAItem>& items, int64_t batch_size, SetScores& out) {
  std::vector<std::vector<int64_t>> prompts;
  for (const QAItem& item : items) prompts.push_back(s.collator->prompt_ids(item.question));
  out.entropy = next_token_entropy(*s.model, prompts, s.collator->pad_id(), batch_size);
}

// Seconds per phase, logged at info level (`--log-level info`); never part of the metrics, which
// stay identical run to run.
class PhaseTimer {
 public:
  explicit PhaseTimer(std::string label) : label_(std::move(label)) {}
  void done(const char* phase) {
    const auto now = std::chrono::steady_clock::now();
    report_ += fmt::format("{}{} {:.1f}s", report_.empty() ? "" : ", ", phase, std::chrono::duration<double>(now - last_).count());
    last_ = now;
  }
  ~PhaseTimer() { spdlog::info("unlearning eval [{}]: {}", label_, report_); }

 private:
  std::string label_, report_;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

SetScores score_set(const UnlearningScorers& s, SetKind kind, const std::vector<QAItem>& items,
                    const UnlearningEvalOptions& options) {
  SetScores out;
  PhaseTimer timer(set_name(kind));
  std::vector<std::string> questions;
  for (const QAItem& item : items) questions.push_back(item.question);
  out.generated = answer_questions(*s.model, *s.collator, questions, options.generation);
  timer.done("generation");
  extract_entities(s, items, out);
  timer.done("entities");
  score_similarity(s, items, options.similarity, out);
  score_nli(s, kind, items, out);
  score_flags(kind, options.forgetting, out);
  timer.done("similarity+nli");
  score_text(items, out);
  timer.done("text");
  out.response = response_nll(*s.scorer, *s.scorer_collator, questions, out.generated, options.score_batch_size);
  timer.done("ppl");
  score_tofu(s, items, options.score_batch_size, out);
  timer.done("tofu");
  if (kind == SetKind::Forget) score_entropy(s, items, options.score_batch_size, out);
  timer.done("entropy");
  return out;
}

nlohmann::json finite_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

nlohmann::json item_row(SetKind kind, const QAItem& item, const SetScores& s, size_t i) {
  nlohmann::json row = {{"set", set_name(kind)},
                        {"id", item.id},
                        {"split", item.split},
                        {"question", item.question},
                        {"ground_truth", item.answer},
                        {"generated", s.generated[i]},
                        {"entities_ground_truth", s.gt_entities[i]},
                        {"entities_generated", s.gen_entities[i]},
                        {"entities_ground_truth_kept", s.similarity[i].kept_ground_truth},
                        {"entities_generated_kept", s.similarity[i].kept_generated},
                        {"S", s.similarity[i].score},
                        {"nli", s.nli[i] ? nlohmann::json(*s.nli[i]) : nlohmann::json(nullptr)},
                        {kind == SetKind::Forget ? "forgotten" : "retained", static_cast<bool>(s.flag[i])},
                        {"ppl", finite_or_null(perplexity(s.response[i]))},
                        {"tokens", s.response[i].tokens},
                        {"BI", s.bi[i]},
                        {"HS", s.hs[i]},
                        {"rouge1_recall", s.rouge[i].rouge1},
                        {"rougeL_recall", s.rouge[i].rougeL},
                        {"probability", s.probability[i]}};
  if (s.known[i]) row["known"] = *s.known[i];
  if (std::isfinite(s.truth_ratio[i])) row["truth_ratio"] = s.truth_ratio[i];
  if (!s.entropy.empty()) row["entropy"] = s.entropy[i];
  return row;
}

// Mean of the finite values; null when there are none.
nlohmann::json mean_json(const std::vector<double>& values) {
  double sum = 0.0;
  int64_t n = 0;
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    sum += v;
    ++n;
  }
  return n > 0 ? nlohmann::json(sum / static_cast<double>(n)) : nlohmann::json(nullptr);
}

void add_similarity_metrics(const SetScores& s, nlohmann::json& m) {
  std::vector<double> S, n_gt;
  int64_t empty_gt = 0;
  for (const SimilarityResult& r : s.similarity) {
    S.push_back(r.score);
    n_gt.push_back(static_cast<double>(r.kept_ground_truth.size()));
    empty_gt += r.kept_ground_truth.empty();
  }
  m["entity_similarity"] = mean_json(S);
  m["ground_truth_entities"] = mean_json(n_gt);
  m["items_without_ground_truth_entities"] = empty_gt;
  if (!s.nli.empty() && s.nli.front()) {
    nlohmann::json labels = nlohmann::json::object();
    for (const auto& label : s.nli) labels[*label] = labels.value(*label, 0) + 1;
    m["nli_labels"] = labels;
  }
}

void add_text_metrics(const SetScores& s, nlohmann::json& m) {
  std::vector<double> r1, rl, ppl;
  for (const RougeRecall& r : s.rouge) {
    r1.push_back(r.rouge1);
    rl.push_back(r.rougeL);
  }
  for (const AnswerNll& nll : s.response) ppl.push_back(perplexity(nll));
  m["rouge1_recall"] = mean_json(r1);
  m["rougeL_recall"] = mean_json(rl);
  const LinguisticSummary ls = summarize_linguistics(ppl, s.bi, s.hs);
  m["LS"] = ls.ls;
  m["PPL"] = finite_or_null(ls.ppl);
  m["BI"] = finite_or_null(ls.bi);
  m["HS"] = finite_or_null(ls.hs);
  m["ppl_dropped"] = ls.ppl_dropped;
  int64_t known = 0, with_facts = 0;
  for (const auto& k : s.known) {
    if (!k) continue;
    known += *k;
    ++with_facts;
  }
  if (with_facts > 0) {
    m["knowledge_accuracy"] = static_cast<double>(known) / static_cast<double>(with_facts);
    m["knowledge_items"] = with_facts;
  }
}

void add_tofu_metrics(SetKind kind, const SetScores& s, nlohmann::json& m) {
  m["probability"] = mean_json(s.probability);
  std::vector<double> ratios, statistics;
  for (double r : s.truth_ratio) {
    if (!std::isfinite(r)) continue;
    ratios.push_back(r);
    statistics.push_back(kind == SetKind::Forget ? truth_ratio_forget_statistic(r) : truth_ratio_retain_statistic(r));
  }
  m["truth_ratio_items"] = static_cast<int64_t>(ratios.size());
  if (ratios.empty()) return;
  m["truth_ratio"] = mean_json(ratios);
  m["truth_ratio_statistic"] = mean_json(statistics);
}

nlohmann::json set_metrics(SetKind kind, const SetScores& s) {
  nlohmann::json m = {{"items", static_cast<int64_t>(s.generated.size())},
                      {kind == SetKind::Forget ? "KFR" : "KRR", flag_rate(s.flag)}};
  add_similarity_metrics(s, m);
  add_text_metrics(s, m);
  add_tofu_metrics(kind, s, m);
  if (!s.entropy.empty()) m["next_token_entropy"] = mean_json(s.entropy);
  return m;
}

nlohmann::json settings_json(const UnlearningScorers& s, const UnlearningEvalOptions& o) {
  const SamplingOptions& g = o.generation.sampling;
  nlohmann::json decoding = g.greedy ? nlohmann::json{{"greedy", true}}
                                     : nlohmann::json{{"greedy", false}, {"temperature", g.temperature},
                                                      {"top_p", g.top_p}, {"top_k", g.top_k}, {"seed", g.seed}};
  decoding["max_new_tokens"] = o.generation.max_new_tokens;
  return {{"extractor", s.extractor->name()},
          {"embedder", s.embedder->name()},
          {"nli", s.nli ? nlohmann::json(s.nli->name()) : nlohmann::json(nullptr)},
          {"similarity_threshold", o.similarity.threshold},
          {"query_filter", query_filter_name(o.similarity.query_filter)},
          {"theta_few", o.forgetting.theta_few},
          {"theta_many", o.forgetting.theta_many},
          {"few_entities", o.forgetting.few_entities},
          {"retain_threshold", o.forgetting.retain_threshold},
          {"decoding", decoding}};
}

void check_scorers(const UnlearningScorers& s) {
  if (!s.model || !s.collator || !s.scorer || !s.scorer_collator || !s.extractor || !s.embedder)
    throw Error(ErrorKind::Internal, "evaluate_unlearning: model, collator, scorer, extractor and embedder must be set");
}

}  // namespace

UnlearningReport evaluate_unlearning(const UnlearningScorers& scorers, const std::vector<QAItem>& forget,
                                     const std::vector<QAItem>& retain, const UnlearningEvalOptions& options) {
  check_scorers(scorers);
  const auto start = std::chrono::steady_clock::now();
  const SetScores f = score_set(scorers, SetKind::Forget, forget, options);
  const SetScores r = score_set(scorers, SetKind::Retain, retain, options);
  UnlearningReport report;
  for (size_t i = 0; i < forget.size(); ++i) report.rows.push_back(item_row(SetKind::Forget, forget[i], f, i));
  for (size_t i = 0; i < retain.size(); ++i) report.rows.push_back(item_row(SetKind::Retain, retain[i], r, i));
  nlohmann::json fm = set_metrics(SetKind::Forget, f), rm = set_metrics(SetKind::Retain, r);
  report.metrics = {{"KFR", fm["KFR"]}, {"KRR", rm["KRR"]}, {"LS_forget", fm["LS"]}, {"LS_retain", rm["LS"]},
                    {"forget", fm},     {"retain", rm},     {"settings", settings_json(scorers, options)}};
  nlohmann::json notes = nlohmann::json::array();
  if (!scorers.nli)
    notes.push_back("NLI clause dropped: no NLI model configured, so KFR counts S <= theta and KRR counts S >= " +
                    nlohmann::json(options.forgetting.retain_threshold).dump() + " only");
  report.metrics["notes"] = notes;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  spdlog::info("unlearning evaluation of {} forget and {} retain items took {:.1f} s", forget.size(), retain.size(), seconds);
  return report;
}

nlohmann::json unlearning_metric_formulas() {
  return {
      {"S", "|{(i,j): cos(e_gen_i, e_gt_j) >= 0.8}| / |E_gt| (0 if a set is empty), entities restating the question dropped"},
      {"KFR", "mean over forget items of [NLI = contradiction OR S <= theta], theta = 0.5 if |E_gt| <= 3 else 0.3"},
      {"KRR", "mean over retain items of [NLI != contradiction AND S >= 0.3]"},
      {"PPL", "exp(mean NLL of the response tokens given the question) under the scorer model, mean over responses"},
      {"BI", "Brunet's index N^(V^-0.165), mean over responses"},
      {"HS", "Honore's statistic 100 ln N / (1 - V1/V + 0.1), mean over responses"},
      {"LS", "3 / ((1 + PPL) + (1 + BI) + (1 + HS)/HS)"},
      {"rouge1_recall", "clipped unigram overlap / reference unigrams (rouge_score tokens, Porter stems)"},
      {"rougeL_recall", "LCS(reference, generated) / reference tokens (rouge_score tokens, Porter stems)"},
      {"probability", "TOFU: exp(-mean NLL of the ground-truth answer tokens and EOS), mean over items"},
      {"truth_ratio", "TOFU: R = exp(NLL_paraphrased - mean_k NLL_perturbed_k) (per-token NLLs), mean over items"},
      {"truth_ratio_statistic", "TOFU: forget mean min(R, 1/R); retain mean max(0, 1 - R)"},
      {"next_token_entropy", "-sum_v p(v) ln p(v) of the first answer token after each forget prompt (nats), mean"},
      {"knowledge_accuracy", "fraction of answers containing every key fact (items with key facts)"}};
}

}  // namespace llmedit
