#include "libllmedit/augment/subject.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <vector>

#include "libllmedit/augment/text_rules.h"
#include "libllmedit/tokenizer/unicode.h"

namespace llmedit::augment {

namespace {

// Capitalized words that open questions rather than name anyone.
bool is_function_word(const std::string& word) {
  static const char* const kWords[] = {"What", "Who", "Whom", "Whose", "Where", "When", "Which", "Why", "How",
                                       "In",   "On",  "At",   "For",   "From",  "To",   "Of",    "By",  "With",
                                       "Is",   "Are", "Was",  "Were",  "Do",    "Does", "Did",   "Can", "Could",
                                       "Would", "Will", "Has", "Have", "Had",   "Tell", "Please", "Name", "List",
                                       "Describe", "Give", "The", "A", "An", "I", "And", "Or"};
  return std::find(std::begin(kWords), std::end(kWords), word) != std::end(kWords);
}

bool starts_uppercase(const std::string& word) {
  if (word.empty()) return false;
  size_t pos = 0;
  const uint32_t cp = unicode::next_code_point(word, pos);
  const unicode::Category c = unicode::category(cp);
  return c == unicode::Category::Lu || c == unicode::Category::Lt;
}

// A word of the question without surrounding punctuation; `ends_span` when punctuation or a
// possessive after it closes the name ("Calia Yarwick's", "Calia Yarwick?").
struct Word {
  std::string text;
  bool ends_span = false;
};

std::vector<Word> question_words(const std::string& question) {
  std::vector<Word> words;
  for (const std::string& raw : split_words(question)) {
    Word w;
    std::string t = raw;
    while (!t.empty() && std::strchr("\"'(", t.front())) t.erase(0, 1);
    for (const char* possessive : {"'s", "\xE2\x80\x99s"}) {  // ASCII and typographic apostrophe
      const std::string p = possessive;
      if (t.size() > p.size() && t.compare(t.size() - p.size(), p.size(), p) == 0) {
        t.resize(t.size() - p.size());
        w.ends_span = true;
      }
    }
    while (!t.empty() && std::strchr("?.,!:;\")", t.back())) {
      t.pop_back();
      w.ends_span = true;
    }
    w.text = t;
    words.push_back(w);
  }
  return words;
}

// Maximal runs of capitalized words, function words trimmed from their front.
std::vector<std::string> capitalized_spans(const std::string& question) {
  std::vector<std::string> spans;
  std::vector<std::string> run;
  auto close = [&] {
    while (!run.empty() && is_function_word(run.front())) run.erase(run.begin());
    if (!run.empty()) spans.push_back(join_words(run));
    run.clear();
  };
  for (const Word& w : question_words(question)) {
    if (starts_uppercase(w.text)) {
      run.push_back(w.text);
      if (w.ends_span) close();
    } else {
      close();
    }
  }
  close();
  return spans;
}

bool is_key_fact_part(const std::string& span, const std::vector<std::string>& key_facts) {
  for (const std::string& fact : key_facts)
    if (contains_ignore_case(fact, span)) return true;
  return false;
}

std::string lower_first(std::string text) {
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

// "Which books did S write" -> "books": the noun between the question word and the auxiliary.
std::string noun_before_auxiliary(const std::string& before) {
  const std::vector<std::string> words = split_words(before);
  if (words.size() < 3) return "";
  const std::string first = lower_ascii(words.front());
  const std::string last = lower_ascii(words.back());
  if (first != "which" && first != "what") return "";
  if (last != "did" && last != "does" && last != "do" && last != "has" && last != "have") return "";
  return join_words(std::vector<std::string>(words.begin() + 1, words.end() - 1));
}

}  // namespace

std::string find_subject(const QAItem& item) {
  std::string best;
  bool best_in_answer = false;
  for (const std::string& span : capitalized_spans(item.question)) {
    if (is_key_fact_part(span, item.key_facts)) continue;
    const bool in_answer = item.answer.find(span) != std::string::npos;
    const bool better = (in_answer && !best_in_answer) || (in_answer == best_in_answer && span.size() > best.size());
    if (best.empty() || better) {
      best = span;
      best_in_answer = in_answer;
    }
  }
  return best;
}

std::string find_relation(const std::string& question, const std::string& subject) {
  if (subject.empty()) return "";
  const size_t at = question.find(subject);
  if (at == std::string::npos) return "";
  const std::string before = trim(question.substr(0, at));
  std::string after = trim(question.substr(at + subject.size()));
  while (!after.empty() && std::strchr("?.!", after.back())) after.pop_back();
  const std::string low_before = lower_ascii(before);

  // "S's home address" (what comes after the possessive)
  for (const char* possessive : {"'s ", "\xE2\x80\x99s "}) {
    const std::string p = possessive;
    if (after.compare(0, p.size(), p) == 0) return trim(after.substr(p.size()));
  }
  // "... the home address of S"
  if (after.empty() && low_before.size() > 3 && low_before.compare(low_before.size() - 3, 3, " of") == 0) {
    std::vector<std::string> words = split_words(before.substr(0, before.size() - 3));
    size_t start = 0;
    while (start < words.size() && (is_function_word(words[start]) || lower_ascii(words[start]) == "is" ||
                                    lower_ascii(words[start]) == "the" || lower_ascii(words[start]) == "are" ||
                                    lower_ascii(words[start]) == "was" || lower_ascii(words[start]) == "were"))
      ++start;
    if (start < words.size()) return lower_first(join_words(std::vector<std::string>(words.begin() + start, words.end())));
  }
  const std::string low_after = lower_ascii(after);
  if (low_after == "born") {
    if (low_before == "where was") return "birthplace";
    if (low_before == "when was" || low_before == "in what year was" || low_before == "in which year was")
      return "year of birth";
  }
  return noun_before_auxiliary(before);
}

}  // namespace llmedit::augment
