// Small text helpers of the augmentation pipeline: words, case, and the answer chunks the vague
// answers are written for.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace llmedit::augment {

std::vector<std::string> split_words(const std::string& text);  // on ASCII whitespace
std::string join_words(const std::vector<std::string>& words);  // with single spaces
std::string trim(const std::string& text);                      // ASCII whitespace at both ends
std::string lower_ascii(std::string text);
bool contains_ignore_case(const std::string& text, const std::string& part);  // ASCII case folding

// Splits `text` into chunks of at most `max_chars` characters (code points; the reference splits
// answers into 800-character chunks), cutting after the last space inside the limit when there
// is one so words stay whole. The chunks concatenate back to `text`; "" gives one empty chunk.
std::vector<std::string> split_chunks(const std::string& text, int64_t max_chars);

// Sentence completion (ReLearn's diversification): the first floor(fraction * words) words of
// `answer` become the prompt, the rest the target. Empty prompt or target when the answer is too
// short for the fraction to leave words on both sides.
struct CompletionSplit {
  std::string prompt, target;
};
CompletionSplit completion_split(const std::string& answer, double fraction);

// 64-bit FNV-1a, for seeds and cache keys.
uint64_t fnv1a64(const std::string& bytes, uint64_t basis = 0xcbf29ce484222325ULL);

}  // namespace llmedit::augment
