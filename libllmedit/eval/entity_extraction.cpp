#include "libllmedit/eval/entity_extraction.h"

#include <algorithm>
#include <cctype>
#include <regex>
#include <set>

#include "libllmedit/core/error.h"
#include "libllmedit/eval/knowledge.h"

namespace llmedit {

namespace {

struct Span {
  size_t position;
  std::string text;
};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s, const std::string& chars) {
  const size_t first = s.find_first_not_of(chars);
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(chars) - first + 1);
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
}

// Curly quotes and apostrophes become ASCII so one set of patterns covers both.
std::string ascii_quotes(std::string text) {
  replace_all(text, "\xE2\x80\x9C", "\"");
  replace_all(text, "\xE2\x80\x9D", "\"");
  replace_all(text, "\xE2\x80\x99", "'");
  replace_all(text, "\xE2\x80\x98", "'");
  return text;
}

// Every match of `pattern` (group `group` of it) becomes a span; the whole match is then masked
// with '|' so later, looser patterns cannot take part of it again.
void take(std::string& text, const std::regex& pattern, size_t group, std::vector<Span>& spans) {
  std::vector<std::pair<size_t, size_t>> masked;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), pattern); it != std::sregex_iterator(); ++it) {
    const std::smatch& m = *it;
    const std::string entity = trim(m.str(group), " ,;:.\t\n");
    if (!entity.empty()) spans.push_back({static_cast<size_t>(m.position(group)), entity});
    masked.emplace_back(static_cast<size_t>(m.position(0)), static_cast<size_t>(m.length(0)));
  }
  for (const auto& [at, n] : masked) std::fill(text.begin() + static_cast<std::ptrdiff_t>(at),
                                               text.begin() + static_cast<std::ptrdiff_t>(at + n), '|');
}

const std::string kMonth =
    "(?:January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)";
const std::string kStreet =
    "(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Row|Way|Terrace|Drive|Boulevard|Blvd|Court|Ct|Place|Pl|Village|"
    "Square|Sq|Close|Crescent|Hill|Park|Walk|Gardens|Parkway|Highway|Alley|Circle|Plaza|Mews|Quay|Wharf)";
const std::string kWord = "[A-Z][A-Za-z'\\-]*";
const std::string kTitle = "(?:Dr|Mr|Mrs|Ms|Prof|Sir)\\.? ";

struct Patterns {
  std::regex email{"[A-Za-z0-9._%+\\-]+@[A-Za-z0-9\\-]+(?:\\.[A-Za-z0-9\\-]+)*\\.[A-Za-z]{2,}"};
  std::regex phone{"(?:\\+\\d{1,3}[ .\\-]?)?(?:\\(\\d{2,4}\\)[ .\\-]?|\\d{2,4}[ .\\-])\\d{3,4}[ .\\-]\\d{3,4}"};
  std::regex address{"\\d{1,6} (?:" + kWord + " ){0,3}" + kStreet + "\\b\\.?(?:, ?" + kWord + "(?: " + kWord + "){0,2})?"};
  std::regex date{kMonth + "\\.? \\d{4}\\b|" + kMonth + "\\.? \\d{1,2}(?:st|nd|rd|th)?(?:, ?\\d{4})?\\b|" +
                  "\\d{1,2}(?:st|nd|rd|th)? (?:of )?" + kMonth + "\\b(?:,? \\d{4})?|" +
                  "\\d{4}-\\d{2}-\\d{2}|\\d{1,2}/\\d{1,2}/\\d{2,4}"};
  std::regex quoted{"\"([^\"\\n]{1,100})\""};
  std::regex number{"\\d+(?:[.,]\\d+)*"};
  // Capitalized words, joined by spaces or by up to two particles ("Bank of the West"), after
  // an optional title that is not part of the entity.
  std::regex capitalized{"(?:" + kTitle + ")?(" + kWord + "(?:(?: (?:of|the|de|da|van|von|der|del|la|le|du))* " + kWord + ")*)"};
};

const Patterns& patterns() {
  static const Patterns p;  // compiled once; read-only afterwards
  return p;
}

bool is_sentence_start(const std::string& text, size_t at) {
  while (at > 0 && (text[at - 1] == ' ' || text[at - 1] == '"' || text[at - 1] == '(')) --at;
  return at == 0 || text[at - 1] == '.' || text[at - 1] == '!' || text[at - 1] == '?' || text[at - 1] == '\n' ||
         text[at - 1] == ':';
}

// Words capitalized only because they open a sentence.
bool is_sentence_opener(const std::string& word) {
  static const std::set<std::string> openers = {
      "the", "a", "an", "this", "that", "these", "those", "he", "she", "it", "they", "we", "i", "you",
      "his", "her", "its", "their", "our", "my", "your", "in", "on", "at", "as", "from", "to", "for",
      "by", "with", "after", "before", "during", "when", "while", "what", "who", "where", "which", "how",
      "why", "yes", "no", "there", "here", "also", "however", "although", "if", "but", "and", "or", "so",
      "then", "born", "unfortunately", "sorry", "according"};
  return openers.count(lower(word)) > 0;
}

// Drops leading sentence openers ("The", "He") from a capitalized span that opens a sentence,
// with the particles that followed them.
std::string strip_opener(const std::string& span, bool sentence_start) {
  if (!sentence_start) return span == "I" ? "" : span;
  std::string rest = span;
  while (!rest.empty()) {
    const size_t space = rest.find(' ');
    const std::string first = rest.substr(0, space);
    if (!is_sentence_opener(first) && std::isupper(static_cast<unsigned char>(first[0]))) break;
    rest = space == std::string::npos ? "" : rest.substr(space + 1);
  }
  return rest;
}

void take_capitalized(std::string& text, std::vector<Span>& spans) {
  std::vector<Span> found;
  take(text, patterns().capitalized, 1, found);
  for (Span& span : found) {
    // `text` is masked now; the opener test looks at what precedes the span, which is unmasked.
    std::string kept = strip_opener(span.text, is_sentence_start(text, span.position));
    const size_t start = span.position + span.text.size() - kept.size();
    // A possessive is not part of the name: "Calia Yarwick's" -> "Calia Yarwick".
    if (kept.size() > 2 && kept.compare(kept.size() - 2, 2, "'s") == 0) kept.resize(kept.size() - 2);
    if (!kept.empty() && kept.back() == '\'') kept.pop_back();
    if (!kept.empty()) spans.push_back({start, kept});
  }
}

std::vector<std::string> ordered_unique(std::vector<Span> spans) {
  std::stable_sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.position < b.position; });
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const Span& span : spans)
    if (seen.insert(lower(span.text)).second) out.push_back(span.text);
  return out;
}

std::vector<std::string> unique_list(const std::vector<std::string>& items) {
  std::vector<Span> spans;
  for (size_t i = 0; i < items.size(); ++i) spans.push_back({i, items[i]});
  return ordered_unique(spans);
}

// Masks the first case-insensitive occurrence of `fact` in `text`; false when there is none.
bool mask_occurrence(std::string& text, const std::string& fact) {
  const std::string haystack = lower(text), needle = lower(fact);
  const size_t at = needle.empty() ? std::string::npos : haystack.find(needle);
  if (at == std::string::npos) return false;
  std::fill(text.begin() + static_cast<std::ptrdiff_t>(at), text.begin() + static_cast<std::ptrdiff_t>(at + needle.size()), '|');
  return true;
}

}  // namespace

std::vector<std::string> heuristic_entities(const std::string& input) {
  std::string text = ascii_quotes(input);
  std::vector<Span> spans;
  const Patterns& p = patterns();
  take(text, p.email, 0, spans);
  take(text, p.phone, 0, spans);
  take(text, p.address, 0, spans);
  take(text, p.date, 0, spans);
  take(text, p.quoted, 1, spans);
  take(text, p.number, 0, spans);
  take_capitalized(text, spans);
  return ordered_unique(spans);
}

std::vector<std::vector<std::string>> HeuristicExtractor::extract(const std::vector<EntityRequest>& requests) const {
  std::vector<std::vector<std::string>> out;
  for (const EntityRequest& r : requests) out.push_back(heuristic_entities(r.text));
  return out;
}

std::vector<std::vector<std::string>> KeyFactsExtractor::extract(const std::vector<EntityRequest>& requests) const {
  std::vector<std::vector<std::string>> out;
  for (const EntityRequest& r : requests) {
    if (r.key_facts.empty()) {
      out.push_back(heuristic_entities(r.text));
      continue;
    }
    if (r.ground_truth) {
      out.push_back(unique_list(r.key_facts));
      continue;
    }
    // The key facts the answer states (matched as knowledge accuracy matches them), then the
    // heuristic entities of what is left, so a fact is not counted twice.
    std::vector<std::string> entities;
    std::string rest = ascii_quotes(r.text);
    for (const std::string& fact : r.key_facts) {
      if (!answer_knows(r.text, KnowledgeItem{"", "", r.question, fact, {fact}})) continue;
      entities.push_back(fact);
      mask_occurrence(rest, fact);
    }
    for (std::string& e : heuristic_entities(rest))
      if (e.find('|') == std::string::npos) entities.push_back(std::move(e));
    out.push_back(unique_list(entities));
  }
  return out;
}

LlmExtractor::LlmExtractor(std::string model_name, TextCompleter complete)
    : model_name_(std::move(model_name)), complete_(std::move(complete)) {}

std::vector<std::vector<std::string>> LlmExtractor::extract(const std::vector<EntityRequest>& requests) const {
  std::vector<std::string> prompts;
  for (const EntityRequest& r : requests) prompts.push_back(entity_prompt(r.question, r.text));
  const std::vector<std::string> completions = complete_(prompts);
  if (completions.size() != prompts.size())
    throw Error(ErrorKind::Internal, "llm extractor " + model_name_ + ": " + std::to_string(completions.size()) +
                                         " completions for " + std::to_string(prompts.size()) + " prompts");
  std::vector<std::vector<std::string>> out;
  for (const std::string& completion : completions) out.push_back(parse_entity_list(completion));
  return out;
}

std::string entity_prompt(const std::string& question, const std::string& text) {
  return "Question: " + question + "\nResponse: " + text +
         "\n\nList the key entities of the response that the question does not already mention: names, email "
         "addresses, places, dates, numbers, organizations, titles of works and specific terms. For a phrase, give "
         "only its core noun. Leave out common words such as 'email', 'people' or 'books'. Reply with the entities "
         "separated by commas, each once, and nothing else.";
}

std::vector<std::string> parse_entity_list(const std::string& completion) {
  std::vector<std::string> items;
  std::string current;
  auto flush = [&] {
    std::string item = trim(current, " \t\r\"'`[](){}*\xE2\x80\xA2-");
    // A list number ("1. ") and a final period are not part of the entity.
    size_t digits = 0;
    while (digits < item.size() && std::isdigit(static_cast<unsigned char>(item[digits]))) ++digits;
    if (digits > 0 && digits + 1 < item.size() && item[digits] == '.' && item[digits + 1] == ' ') item = trim(item.substr(digits + 1), " ");
    while (!item.empty() && item.back() == '.') item.pop_back();
    const std::string l = lower(item);
    if (!item.empty() && l != "none" && l != "n/a") items.push_back(item);
    current.clear();
  };
  for (char c : completion) {
    if (c == ',' || c == '\n') flush();
    else current += c;
  }
  flush();
  return unique_list(items);
}

}  // namespace llmedit
