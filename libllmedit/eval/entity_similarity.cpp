#include "libllmedit/eval/entity_similarity.h"

#include <torch/torch.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "libllmedit/core/error.h"
#include "libllmedit/eval/linguistic_score.h"

namespace llmedit {

namespace {

// Lower-cased word tokens without punctuation and clitics ("'s", "n't").
std::set<std::string> words_of(const std::string& text) {
  std::set<std::string> out;
  for (const std::string& token : lexical_tokens(text)) {
    const bool word = std::any_of(token.begin(), token.end(), [](unsigned char c) { return std::isalnum(c) || c >= 0x80; });
    const bool clitic = token.front() == '\'' || token == "n't";
    if (word && !clitic) out.insert(token);
  }
  return out;
}

bool dropped(const std::set<std::string>& question, const std::set<std::string>& entity, QueryFilter filter) {
  if (filter == QueryFilter::None || entity.empty()) return false;
  auto in_question = [&](const std::string& w) { return question.count(w) > 0; };
  if (filter == QueryFilter::Any) return std::any_of(entity.begin(), entity.end(), in_question);
  return std::all_of(entity.begin(), entity.end(), in_question);
}

}  // namespace

QueryFilter parse_query_filter(const std::string& name) {
  if (name == "subset") return QueryFilter::Subset;
  if (name == "any") return QueryFilter::Any;
  if (name == "none") return QueryFilter::None;
  throw config_error("query filter must be subset, any or none; got \"" + name + "\"");
}

const char* query_filter_name(QueryFilter filter) {
  switch (filter) {
    case QueryFilter::Subset: return "subset";
    case QueryFilter::Any: return "any";
    case QueryFilter::None: return "none";
  }
  return "?";
}

std::vector<std::string> filter_query_entities(const std::string& question, const std::vector<std::string>& entities,
                                               QueryFilter filter) {
  const std::set<std::string> question_words = words_of(question);
  std::vector<std::string> kept;
  for (const std::string& e : entities)
    if (!dropped(question_words, words_of(e), filter)) kept.push_back(e);
  return kept;
}

double similarity_from_cosines(const torch::Tensor& cosines, double threshold, int64_t* matched_pairs) {
  if (cosines.numel() == 0) {
    if (matched_pairs) *matched_pairs = 0;
    return 0.0;
  }
  // A small tolerance so that identical texts (cosine 1 up to rounding) match a threshold of 1.
  const int64_t matches = cosines.ge(threshold - 1e-6).sum().item<int64_t>();
  if (matched_pairs) *matched_pairs = matches;
  return static_cast<double>(matches) / static_cast<double>(cosines.size(1));
}

SimilarityResult entity_similarity(const std::string& question, const std::vector<std::string>& generated,
                                   const std::vector<std::string>& ground_truth, const Embedder& embedder,
                                   const SimilarityOptions& options) {
  SimilarityResult out;
  out.kept_generated = filter_query_entities(question, generated, options.query_filter);
  const QueryFilter gt_filter = options.query_filter == QueryFilter::None ? QueryFilter::None : QueryFilter::Subset;
  out.kept_ground_truth = filter_query_entities(question, ground_truth, gt_filter);
  if (out.kept_generated.empty() || out.kept_ground_truth.empty()) return out;
  std::vector<std::string> texts = out.kept_generated;
  texts.insert(texts.end(), out.kept_ground_truth.begin(), out.kept_ground_truth.end());
  const torch::Tensor e = embedder.embed(texts);  // [G + R, D], unit rows
  const auto G = static_cast<int64_t>(out.kept_generated.size());
  const torch::Tensor cosines = cosine_matrix(e.narrow(0, 0, G), e.narrow(0, G, e.size(0) - G));  // [G, R]
  out.score = similarity_from_cosines(cosines, options.threshold, &out.matched_pairs);
  return out;
}

}  // namespace llmedit
