#include "libllmedit/augment/text_rules.h"

#include <algorithm>
#include <cctype>

namespace llmedit::augment {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// UTF-8 continuation bytes (10xxxxxx) never start a character.
bool starts_character(char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }

}  // namespace

std::vector<std::string> split_words(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  for (char c : text) {
    if (is_space(c)) {
      if (!word.empty()) words.push_back(word);
      word.clear();
    } else {
      word += c;
    }
  }
  if (!word.empty()) words.push_back(word);
  return words;
}

std::string join_words(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

std::string trim(const std::string& text) {
  size_t begin = 0, end = text.size();
  while (begin < end && is_space(text[begin])) ++begin;
  while (end > begin && is_space(text[end - 1])) --end;
  return text.substr(begin, end - begin);
}

std::string lower_ascii(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

bool contains_ignore_case(const std::string& text, const std::string& part) {
  if (part.empty()) return false;
  return lower_ascii(text).find(lower_ascii(part)) != std::string::npos;
}

std::vector<std::string> split_chunks(const std::string& text, int64_t max_chars) {
  std::vector<std::string> chunks;
  size_t start = 0;
  while (start < text.size()) {
    // Walk max_chars characters forward, remembering the last space seen.
    size_t pos = start, last_space_end = std::string::npos;
    int64_t count = 0;
    while (pos < text.size() && count < max_chars) {
      ++pos;
      while (pos < text.size() && !starts_character(text[pos])) ++pos;
      ++count;
      if (text[pos - 1] == ' ') last_space_end = pos;
    }
    size_t end = pos;
    if (pos < text.size() && last_space_end != std::string::npos && last_space_end > start) end = last_space_end;
    chunks.push_back(text.substr(start, end - start));
    start = end;
  }
  if (chunks.empty()) chunks.push_back("");
  return chunks;
}

CompletionSplit completion_split(const std::string& answer, double fraction) {
  const std::vector<std::string> words = split_words(answer);
  const auto cut = static_cast<size_t>(static_cast<double>(words.size()) * fraction);
  CompletionSplit out;
  out.prompt = join_words(std::vector<std::string>(words.begin(), words.begin() + static_cast<std::ptrdiff_t>(cut)));
  out.target = join_words(std::vector<std::string>(words.begin() + static_cast<std::ptrdiff_t>(cut), words.end()));
  return out;
}

uint64_t fnv1a64(const std::string& bytes, uint64_t basis) {
  uint64_t h = basis;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

}  // namespace llmedit::augment
