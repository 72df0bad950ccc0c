// ROUGE-1 and ROUGE-L recall as Google's rouge_score computes them with use_stemmer=True (the
// scorer the ReLearn and TOFU evaluations call): text lower-cased, every run of characters
// other than [a-z0-9] turned into one space, split on spaces, tokens longer than 3 characters
// Porter-stemmed (M. F. Porter, "An algorithm for suffix stripping", Program 14(3), 1980, as
// nltk's PorterStemmer(mode=ORIGINAL_ALGORITHM) applies it).
#pragma once
#include <string>
#include <vector>

namespace llmedit {

// The Porter (1980) stem of a lower-case ASCII word. Written from the paper's five steps, with
// nltk's reading of them: within a step the first listed suffix that the word ends with decides,
// whether or not its condition holds.
std::string porter_stem(const std::string& word);

// rouge_score's tokenize(text, stemmer).
std::vector<std::string> rouge_tokenize(const std::string& text, bool stem = true);

struct RougeRecall {
  double rouge1 = 0.0;  // |unigram overlap (clipped counts)| / |reference tokens|
  double rougeL = 0.0;  // |LCS(reference, generated)| / |reference tokens|
};

// Recall of `reference` (the ground truth, rouge_score's target) by `generated` (its
// prediction); 0 when the reference has no tokens.
RougeRecall rouge_recall(const std::string& reference, const std::string& generated);

}  // namespace llmedit
