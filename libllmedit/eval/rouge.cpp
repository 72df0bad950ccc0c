#include "libllmedit/eval/rouge.h"

#include <algorithm>
#include <functional>
#include <map>

namespace llmedit {

namespace {

// ---- Porter (1980): letters are consonants (c) or vowels (v); 'y' is a vowel after a consonant.

bool is_consonant(const std::string& w, size_t i) {
  const char c = w[i];
  if (c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u') return false;
  if (c == 'y') return i == 0 ? true : !is_consonant(w, i - 1);
  return true;
}

// m in [C](VC)^m[V]: the number of vowel-to-consonant transitions.
int measure(const std::string& stem) {
  int m = 0;
  for (size_t i = 1; i < stem.size(); ++i)
    if (!is_consonant(stem, i - 1) && is_consonant(stem, i)) ++m;
  return m;
}

bool contains_vowel(const std::string& stem) {
  for (size_t i = 0; i < stem.size(); ++i)
    if (!is_consonant(stem, i)) return true;
  return false;
}

bool ends_with(const std::string& w, const std::string& suffix) {
  return w.size() >= suffix.size() && w.compare(w.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// *d: a double consonant at the end.
bool ends_double_consonant(const std::string& w) {
  const size_t n = w.size();
  return n >= 2 && w[n - 1] == w[n - 2] && is_consonant(w, n - 1);
}

// *o: consonant-vowel-consonant at the end, the last consonant not w, x or y.
bool ends_cvc(const std::string& w) {
  const size_t n = w.size();
  return n >= 3 && is_consonant(w, n - 3) && !is_consonant(w, n - 2) && is_consonant(w, n - 1) && w[n - 1] != 'w' &&
         w[n - 1] != 'x' && w[n - 1] != 'y';
}

using Condition = std::function<bool(const std::string& stem)>;
struct Rule {
  const char* suffix;
  const char* replacement;
  Condition condition;  // empty: always
};

bool m_positive(const std::string& stem) { return measure(stem) > 0; }
bool m_above_one(const std::string& stem) { return measure(stem) > 1; }

// The first rule whose suffix ends the word decides: replaced when its condition holds, else
// the word is left as it is.
std::string apply_rules(const std::string& word, const std::vector<Rule>& rules) {
  for (const Rule& rule : rules) {
    if (!ends_with(word, rule.suffix)) continue;
    const std::string stem = word.substr(0, word.size() - std::char_traits<char>::length(rule.suffix));
    if (!rule.condition || rule.condition(stem)) return stem + rule.replacement;
    return word;
  }
  return word;
}

std::string step1a(const std::string& w) {
  return apply_rules(w, {{"sses", "ss", {}}, {"ies", "i", {}}, {"ss", "ss", {}}, {"s", "", {}}});
}

// After (*v*) ED / (*v*) ING: AT -> ATE, BL -> BLE, IZ -> IZE, *d (not L, S, Z) -> single
// letter, (m = 1 and *o) -> +E.
std::string step1b_tidy(const std::string& stem) {
  for (const char* s : {"at", "bl", "iz"})
    if (ends_with(stem, s)) return stem + "e";
  if (ends_double_consonant(stem)) {
    const char last = stem.back();
    return last == 'l' || last == 's' || last == 'z' ? stem : stem.substr(0, stem.size() - 1);
  }
  if (measure(stem) == 1 && ends_cvc(stem)) return stem + "e";
  return stem;
}

std::string step1b(const std::string& w) {
  if (ends_with(w, "eed")) {
    const std::string stem = w.substr(0, w.size() - 3);
    return measure(stem) > 0 ? stem + "ee" : w;
  }
  for (const char* suffix : {"ed", "ing"}) {
    if (!ends_with(w, suffix)) continue;
    const std::string stem = w.substr(0, w.size() - std::char_traits<char>::length(suffix));
    if (contains_vowel(stem)) return step1b_tidy(stem);
  }
  return w;
}

std::string step1c(const std::string& w) { return apply_rules(w, {{"y", "i", contains_vowel}}); }

std::string step2(const std::string& w) {
  static const std::vector<Rule> rules = {
      {"ational", "ate", m_positive}, {"tional", "tion", m_positive}, {"enci", "ence", m_positive},
      {"anci", "ance", m_positive},   {"izer", "ize", m_positive},    {"abli", "able", m_positive},
      {"alli", "al", m_positive},     {"entli", "ent", m_positive},   {"eli", "e", m_positive},
      {"ousli", "ous", m_positive},   {"ization", "ize", m_positive}, {"ation", "ate", m_positive},
      {"ator", "ate", m_positive},    {"alism", "al", m_positive},    {"iveness", "ive", m_positive},
      {"fulness", "ful", m_positive}, {"ousness", "ous", m_positive}, {"aliti", "al", m_positive},
      {"iviti", "ive", m_positive},   {"biliti", "ble", m_positive}};
  return apply_rules(w, rules);
}

std::string step3(const std::string& w) {
  static const std::vector<Rule> rules = {{"icate", "ic", m_positive}, {"ative", "", m_positive},
                                          {"alize", "al", m_positive}, {"iciti", "ic", m_positive},
                                          {"ical", "ic", m_positive},  {"ful", "", m_positive},
                                          {"ness", "", m_positive}};
  return apply_rules(w, rules);
}

// (m > 1 and (*S or *T)) ION -> .
bool ion_condition(const std::string& stem) { return measure(stem) > 1 && (stem.back() == 's' || stem.back() == 't'); }

std::string step4(const std::string& w) {
  static const std::vector<Rule> rules = {
      {"al", "", m_above_one},   {"ance", "", m_above_one}, {"ence", "", m_above_one}, {"er", "", m_above_one},
      {"ic", "", m_above_one},   {"able", "", m_above_one}, {"ible", "", m_above_one}, {"ant", "", m_above_one},
      {"ement", "", m_above_one}, {"ment", "", m_above_one}, {"ent", "", m_above_one}, {"ion", "", ion_condition},
      {"ou", "", m_above_one},   {"ism", "", m_above_one},  {"ate", "", m_above_one},  {"iti", "", m_above_one},
      {"ous", "", m_above_one},  {"ive", "", m_above_one},  {"ize", "", m_above_one}};
  return apply_rules(w, rules);
}

// (m > 1) E -> ; (m = 1 and not *o) E -> .
std::string step5a(const std::string& w) {
  if (!ends_with(w, "e")) return w;
  const std::string stem = w.substr(0, w.size() - 1);
  const int m = measure(stem);
  return m > 1 || (m == 1 && !ends_cvc(stem)) ? stem : w;
}

// (m > 1 and *d and *L) -> single letter.
std::string step5b(const std::string& w) {
  return ends_with(w, "ll") && measure(w.substr(0, w.size() - 1)) > 1 ? w.substr(0, w.size() - 1) : w;
}

// Length of the longest common subsequence, one row of the dynamic programme at a time.
size_t lcs_length(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::vector<size_t> previous(b.size() + 1, 0), current(b.size() + 1, 0);
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j)
      current[j] = a[i - 1] == b[j - 1] ? previous[j - 1] + 1 : std::max(previous[j], current[j - 1]);
    std::swap(previous, current);
  }
  return previous[b.size()];
}

}  // namespace

std::string porter_stem(const std::string& word) {
  std::string w = word;
  for (char& c : w) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (auto step : {step1a, step1b, step1c, step2, step3, step4, step5a, step5b}) w = step(w);
  return w;
}

std::vector<std::string> rouge_tokenize(const std::string& text, bool stem) {
  std::vector<std::string> tokens;
  std::string token;
  auto flush = [&] {
    if (token.empty()) return;
    tokens.push_back(stem && token.size() > 3 ? porter_stem(token) : token);
    token.clear();
  };
  for (unsigned char c : text) {
    const char lower = static_cast<char>(c < 0x80 ? std::tolower(c) : c);
    const bool alnum = (lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9');
    if (alnum) token += lower;
    else flush();
  }
  flush();
  return tokens;
}

RougeRecall rouge_recall(const std::string& reference, const std::string& generated) {
  const std::vector<std::string> ref = rouge_tokenize(reference), gen = rouge_tokenize(generated);
  RougeRecall out;
  if (ref.empty()) return out;
  std::map<std::string, int64_t> ref_counts, gen_counts;
  for (const std::string& t : ref) ++ref_counts[t];
  for (const std::string& t : gen) ++gen_counts[t];
  int64_t overlap = 0;
  for (const auto& [token, count] : ref_counts) {
    auto it = gen_counts.find(token);
    if (it != gen_counts.end()) overlap += std::min(count, it->second);
  }
  out.rouge1 = static_cast<double>(overlap) / static_cast<double>(ref.size());
  out.rougeL = static_cast<double>(lcs_length(ref, gen)) / static_cast<double>(ref.size());
  return out;
}

}  // namespace llmedit
