// ReLearn's entity similarity (zjunlp/unlearn evals/evaluate.py, "fuzzy Jaccard"):
//   S(gen, gt) = |{(i, j) : cos(e_gen_i, e_gt_j) >= 0.8}| / |E_gt|,   0 when either set is empty,
// after entities that restate the question are dropped. The reference drops them twice: its
// extraction prompt excludes entities "already in the query" from both texts, and filter_entities
// then drops generated entities sharing a word with the query. Here ground-truth entities lose
// those whose words all occur in the question, and generated entities are filtered by the
// configured rule. S counts pairs, so several generated entities matching one ground-truth
// entity can push it above 1, as in the reference.
#pragma once
#include <string>
#include <vector>

#include "libllmedit/eval/text_embedding.h"

namespace llmedit {

// Which generated entities the question filter drops (word tokens lower-cased, punctuation
// ignored):
//   Subset  entities all of whose words occur in the question (the subject's own name); the default
//   Any     entities sharing any word with the question: the reference's literal rule. It also
//           drops correct answers that share a word with the question ("Who is the father of Ann
//           Hale?" -> "Tom Hale"; "Which award ...?" -> "Silver Award"), which the reference's LLM
//           extractor avoids by naming only core words
//   None    nothing
enum class QueryFilter { Subset, Any, None };

QueryFilter parse_query_filter(const std::string& name);  // "subset" | "any" | "none"
const char* query_filter_name(QueryFilter filter);

struct SimilarityOptions {
  double threshold = 0.8;
  QueryFilter query_filter = QueryFilter::Subset;
};

std::vector<std::string> filter_query_entities(const std::string& question, const std::vector<std::string>& entities,
                                               QueryFilter filter);

struct SimilarityResult {
  double score = 0.0;
  int64_t matched_pairs = 0;
  std::vector<std::string> kept_generated;     // the generated entities after the question filter
  std::vector<std::string> kept_ground_truth;  // E_gt: the ground truth's, without restatements of the question
};

// S from a cosine matrix [G, R] of generated x ground-truth entities.
double similarity_from_cosines(const torch::Tensor& cosines, double threshold, int64_t* matched_pairs = nullptr);

SimilarityResult entity_similarity(const std::string& question, const std::vector<std::string>& generated,
                                   const std::vector<std::string>& ground_truth, const Embedder& embedder,
                                   const SimilarityOptions& options);

}  // namespace llmedit
