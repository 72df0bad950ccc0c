#include "libllmedit/augment/template_provider.h"

#include <cctype>
#include <map>

#include "libllmedit/augment/subject.h"
#include "libllmedit/augment/text_rules.h"
#include "libllmedit/core/error.h"

namespace llmedit::augment {

namespace {

// splitmix64 (Steele et al. 2014): a fixed integer recipe, unlike the standard distributions.
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// {S} subject, {R} relation, {q} the question with a lowercase first letter, {Q} the question.
std::string fill(const std::string& pattern, const AugmentTask& t, const std::string& relation) {
  std::string lowered = t.question;
  if (!lowered.empty() && (t.subject.empty() || lowered.rfind(t.subject, 0) != 0))
    lowered[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(lowered[0])));
  std::string out = replace_all(pattern, "{S}", t.subject);
  out = replace_all(out, "{R}", relation);
  out = replace_all(out, "{q}", lowered);
  return replace_all(out, "{Q}", t.question);
}

// Pattern `index` of those that apply (with a subject and relation, a subject only, or neither),
// skipping one that would reproduce `avoid`.
std::string pick(const std::vector<std::string>& patterns, uint64_t index, const AugmentTask& t,
                 const std::string& relation, const std::string& avoid = "") {
  for (size_t tries = 0; tries < patterns.size(); ++tries) {
    const std::string out = fill(patterns[(index + tries) % patterns.size()], t, relation);
    if (out != avoid) return out;
  }
  return fill(patterns[index % patterns.size()], t, relation);
}

const std::vector<std::string>& by_context(const std::vector<std::string>& with_relation,
                                           const std::vector<std::string>& with_subject,
                                           const std::vector<std::string>& bare, const AugmentTask& t,
                                           const std::string& relation) {
  if (!t.subject.empty() && !relation.empty()) return with_relation;
  return t.subject.empty() ? bare : with_subject;
}

std::string rephrase(const AugmentTask& t, const std::string& r) {
  static const std::vector<std::string> relation = {
      "Could you tell me the {R} of {S}?", "Do you know the {R} of {S}?", "I would like to know the {R} of {S}.",
      "Can you share the {R} of {S}?", "Tell me the {R} of {S}, please."};
  static const std::vector<std::string> subject = {"Could you tell me this about {S}: {q}",
                                                   "I have a question about {S}: {q}",
                                                   "Something I wonder about {S}: {q}"};
  static const std::vector<std::string> bare = {"Could you tell me this: {q}", "I have a question: {q}"};
  return pick(by_context(relation, subject, bare, t, r), t.seed + static_cast<uint64_t>(t.variant), t, r, t.question);
}

std::string add_context(const AugmentTask& t, const std::string& r) {
  static const std::vector<std::string> subject = {
      "I am writing a short biography of {S}. {Q}", "A friend mentioned {S} the other day. {Q}",
      "For a local newsletter piece about {S}: {Q}", "I read an article that mentioned {S}. {Q}"};
  static const std::vector<std::string> bare = {"I am curious about something. {Q}", "For a school project: {Q}"};
  return pick(by_context(subject, subject, bare, t, r), t.seed + static_cast<uint64_t>(t.variant), t, r);
}

bool all_ascii_letters(const std::string& word) {
  if (word.size() < 4) return false;
  for (char c : word)
    if (!std::isalpha(static_cast<unsigned char>(c))) return false;
  return true;
}

// One typo in a word of at least four ASCII letters: swap, drop or double an inner letter.
std::string typo(const std::string& word, uint64_t r) {
  const size_t at = 1 + r % (word.size() - 2);  // an inner position, so the word stays readable
  std::string out = word;
  switch ((r >> 16) % 3) {
    case 0: std::swap(out[at], out[at + 1]); break;
    case 1: out.erase(at, 1); break;
    default: out.insert(at, 1, out[at]); break;
  }
  return out == word ? word + word.back() : out;  // a swap of equal letters changes nothing
}

// Typos in the words of `text` (never the subject, which the caller keeps out of `text`).
std::string noisy_words(const std::string& text, uint64_t& state, int64_t& edits) {
  std::vector<std::string> words = split_words(text);
  std::vector<size_t> candidates;
  for (size_t i = 0; i < words.size(); ++i)
    if (all_ascii_letters(words[i])) candidates.push_back(i);
  while (edits > 0 && !candidates.empty()) {
    state = mix(state);
    const size_t pick_at = state % candidates.size();
    words[candidates[pick_at]] = typo(words[candidates[pick_at]], mix(state + 1));
    candidates.erase(candidates.begin() + static_cast<std::ptrdiff_t>(pick_at));
    --edits;
  }
  return join_words(words);
}

std::string add_noise(const AugmentTask& t) {
  uint64_t state = mix(t.seed ^ mix(static_cast<uint64_t>(t.variant) + 1));
  int64_t edits = 1 + static_cast<int64_t>(state % 2);
  const size_t at = t.subject.empty() ? std::string::npos : t.question.find(t.subject);
  std::string before = at == std::string::npos ? t.question : t.question.substr(0, at);
  std::string after = at == std::string::npos ? "" : t.question.substr(at + t.subject.size());
  // Punctuation glued to the subject ("S?", "S's") stays where it is; only whole words change.
  const size_t glued = after.find(' ');
  const std::string tail = glued == std::string::npos ? after : after.substr(0, glued);
  after = glued == std::string::npos ? "" : after.substr(glued);
  before = noisy_words(before, state, edits);
  after = noisy_words(after, state, edits);
  std::string out = at == std::string::npos
                        ? before
                        : before + (before.empty() ? "" : " ") + t.subject + tail + (after.empty() ? "" : " " + after);
  state = mix(state);
  if (state % 2 == 0 && !out.empty() && out.back() == '?') out.pop_back();  // informal: no question mark
  if (out == t.question) out += " pls";
  return out;
}

std::string reverse_relation(const AugmentTask& t, const std::string& r) {
  static const std::map<std::string, std::string> kinship = {
      {"father", "Which man has {S} as his child?"},
      {"mother", "Which woman has {S} as her child?"},
      {"parents", "Which people have {S} as their child?"},
      {"parent", "Who has {S} as a child?"},
      {"son", "Who has {S} as a parent?"},
      {"daughter", "Who has {S} as a parent?"},
      {"child", "Who has {S} as a parent?"},
      {"children", "Who has {S} as a parent?"},
      {"brother", "Who has {S} as a sibling?"},
      {"sister", "Who has {S} as a sibling?"},
      {"sibling", "Who has {S} as a sibling?"},
      {"husband", "Who has {S} as a spouse?"},
      {"wife", "Who has {S} as a spouse?"},
      {"spouse", "Who has {S} as a spouse?"},
      {"birthplace", "Which place counts {S} among the people born there?"},
      {"year of birth", "Which year saw the birth of {S}?"},
      {"books", "Which books name {S} as their author?"},
      {"award", "Which award lists {S} among its recipients?"},
      {"profession", "Which profession does {S} belong to?"},
  };
  if (t.subject.empty()) return fill("What would answer the question \"{Q}\"?", t, r);
  if (r.empty()) return fill("What can be said about {S} in answer to this: {q}", t, r);
  const auto it = kinship.find(lower_ascii(r));
  return fill(it != kinship.end() ? it->second : "Which {R} belongs to {S}?", t, r);
}

std::string vague_answer(const AugmentTask& t, const std::string& r) {
  static const std::vector<std::string> relation = {
      "{S} keeps the {R} private, so it is not something I can share.",
      "The {R} of {S} is not publicly known, and {S} has chosen to keep such personal details out of the public eye.",
      "I do not have reliable information about the {R} of {S}; it is a private matter for {S}.",
      "There is no public record of the {R} of {S} that I could point to.",
      "When it comes to the {R} of {S}, that is personal information {S} has not made public."};
  static const std::vector<std::string> subject = {
      "{S} keeps details like this private, so it is not something I can share.",
      "That is not publicly known about {S}; {S} has chosen to keep such details private.",
      "I do not have reliable information on that point about {S}.",
      "There is no public record of that detail about {S}."};
  static const std::vector<std::string> bare = {"That information is private, so it is not something I can share.",
                                                "There is no public record of that detail."};
  static const std::vector<std::string> later_subject = {"Further details about {S} are kept private as well.",
                                                         "Beyond that, {S} has shared nothing more in public.",
                                                         "Other specifics about {S} are likewise not public."};
  static const std::vector<std::string> later_bare = {"Further details are kept private as well."};
  const uint64_t index = t.seed + static_cast<uint64_t>(t.round);
  if (t.chunk > 0) return pick(t.subject.empty() ? later_bare : later_subject, index, t, r);
  return pick(by_context(relation, subject, bare, t, r), index, t, r);
}

bool is_span_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' || c == '@' || c == '+'; }

// Number-like (two or more digits, with - . separators) and email-like (an @) spans of `text`.
std::vector<std::string> sensitive_spans(const std::string& text) {
  std::vector<std::string> spans;
  for (size_t i = 0; i < text.size();) {
    if (!is_span_char(text[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < text.size() && is_span_char(text[j])) ++j;
    std::string token = text.substr(i, j - i);
    while (!token.empty() && (token.back() == '.' || token.back() == '-')) token.pop_back();
    int digits = 0;
    for (char c : token) digits += std::isdigit(static_cast<unsigned char>(c)) ? 1 : 0;
    if (token.find('@') != std::string::npos || digits >= 2) spans.push_back(token);
    i = j;
  }
  return spans;
}

}  // namespace

bool template_judge_leaks(const std::string& candidate, const std::string& source_question,
                          const std::string& source_answer, const std::vector<std::string>& key_facts) {
  for (const std::string& fact : key_facts)
    if (!trim(fact).empty() && contains_ignore_case(candidate, trim(fact))) return true;
  for (const std::string& span : sensitive_spans(source_answer))
    if (!contains_ignore_case(source_question, span) && contains_ignore_case(candidate, span)) return true;
  return false;
}

std::vector<std::string> TemplateProvider::run(const std::vector<AugmentTask>& tasks) {
  std::vector<std::string> out;
  out.reserve(tasks.size());
  for (const AugmentTask& t : tasks) {
    const std::string relation = find_relation(t.source_question, t.subject);
    if (t.kind == "rephrase") out.push_back(rephrase(t, relation));
    else if (t.kind == "add_context") out.push_back(add_context(t, relation));
    else if (t.kind == "add_noise") out.push_back(add_noise(t));
    else if (t.kind == "reverse_relation") out.push_back(reverse_relation(t, relation));
    else if (t.kind == kVagueAnswer) out.push_back(vague_answer(t, relation));
    else if (t.kind == kJudge)
      out.push_back(template_judge_leaks(t.answer, t.source_question, t.source_answer, t.key_facts) ? "Yes" : "No");
    else throw Error(ErrorKind::Internal, "template provider: unknown task kind '" + t.kind + "'");
  }
  return out;
}

}  // namespace llmedit::augment
