#include "libllmedit/eval/linguistic_score.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>

namespace llmedit {

namespace {

bool is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Characters Treebank always pads with spaces.
bool always_split(char c) {
  static const std::string marks = "@#$%&;?!\"()[]{}<>";
  return marks.find(c) != std::string::npos;
}

// Splits "don't" -> "do", "n't" and "it's" -> "it", "'s" (the Treebank contraction rules).
void push_word(std::string word, std::vector<std::string>& out) {
  static const char* clitics[] = {"n't", "'s", "'re", "'ll", "'ve", "'d", "'m"};
  for (const char* clitic : clitics) {
    const size_t n = std::char_traits<char>::length(clitic);
    if (word.size() > n && word.compare(word.size() - n, n, clitic) == 0) {
      out.push_back(word.substr(0, word.size() - n));
      out.push_back(clitic);
      return;
    }
  }
  out.push_back(std::move(word));
}

// One whitespace-separated chunk: marks split off, commas and colons kept between digits,
// trailing periods and quotes split off.
void tokenize_chunk(const std::string& chunk, std::vector<std::string>& out) {
  std::string word;
  auto flush = [&] {
    // Word-final periods and apostrophes are punctuation of their own.
    std::vector<std::string> tail;
    while (word.size() > 1 && (word.back() == '.' || word.back() == '\'')) {
      tail.insert(tail.begin(), std::string(1, word.back()));
      word.pop_back();
    }
    if (!word.empty()) push_word(word, out);
    out.insert(out.end(), tail.begin(), tail.end());
    word.clear();
  };
  for (size_t i = 0; i < chunk.size(); ++i) {
    const char c = chunk[i];
    const bool between_digits = i > 0 && i + 1 < chunk.size() && is_digit(chunk[i - 1]) && is_digit(chunk[i + 1]);
    if (always_split(c) || ((c == ',' || c == ':') && !between_digits)) {
      flush();
      out.emplace_back(1, c);
      continue;
    }
    word += c;
  }
  flush();
}

double mean_of(const std::vector<double>& values, bool finite_only, int64_t* dropped) {
  double sum = 0.0;
  int64_t n = 0;
  for (double v : values) {
    if (finite_only && !std::isfinite(v)) {
      if (dropped) ++*dropped;
      continue;
    }
    sum += v;
    ++n;
  }
  return n > 0 ? sum / static_cast<double>(n) : std::nan("");
}

}  // namespace

std::vector<std::string> lexical_tokens(const std::string& text) {
  std::vector<std::string> out;
  std::string chunk;
  for (unsigned char c : text) {
    if (is_space(c)) {
      if (!chunk.empty()) tokenize_chunk(chunk, out);
      chunk.clear();
      continue;
    }
    chunk += static_cast<char>(c < 0x80 ? std::tolower(c) : c);
  }
  if (!chunk.empty()) tokenize_chunk(chunk, out);
  return out;
}

double brunet_index(const std::vector<std::string>& tokens) {
  if (tokens.empty()) return 1000.0;
  std::map<std::string, int64_t> types;
  for (const std::string& t : tokens) ++types[t];
  return std::pow(static_cast<double>(tokens.size()), std::pow(static_cast<double>(types.size()), -0.165));
}

double honore_statistic(const std::vector<std::string>& tokens) {
  if (tokens.size() <= 1) return 0.0;
  std::map<std::string, int64_t> types;
  for (const std::string& t : tokens) ++types[t];
  const auto once = std::count_if(types.begin(), types.end(), [](const auto& kv) { return kv.second == 1; });
  const double V = static_cast<double>(types.size()), V1 = static_cast<double>(once);
  const double hs = 100.0 * std::log(static_cast<double>(tokens.size())) / (1.0 - V1 / V + 0.1);
  return std::min(hs, 1e6);
}

double linguistic_score(double ppl, double bi, double hs) {
  if (!(hs > 0.0) || !std::isfinite(ppl) || !std::isfinite(bi) || !std::isfinite(hs)) return 0.0;
  return 3.0 / ((1.0 + ppl) + (1.0 + bi) + (1.0 + hs) / hs);
}

LinguisticSummary summarize_linguistics(const std::vector<double>& ppl, const std::vector<double>& bi,
                                        const std::vector<double>& hs) {
  LinguisticSummary out;
  out.responses = static_cast<int64_t>(bi.size());
  out.ppl = mean_of(ppl, /*finite_only=*/true, &out.ppl_dropped);
  out.bi = mean_of(bi, false, nullptr);
  out.hs = mean_of(hs, false, nullptr);
  out.ls = linguistic_score(out.ppl, out.bi, out.hs);
  return out;
}

std::vector<AnswerNll> response_nll(CausalLM& scorer, const QACollator& collator, const std::vector<std::string>& questions,
                                    const std::vector<std::string>& responses, int64_t batch_size) {
  // An empty response has no token to score (the reference's tokenizer(query + "") adds none, so
  // its loss is NaN and the perplexity is skipped); the collator's answer prefix (the space after
  // "Answer:") would otherwise be scored as if it were the response.
  std::vector<std::pair<std::string, std::string>> pairs;
  std::vector<size_t> scored;
  for (size_t i = 0; i < questions.size(); ++i) {
    if (responses.at(i).empty()) continue;
    pairs.emplace_back(questions[i], responses[i]);
    scored.push_back(i);
  }
  AnswerNllOptions options;
  options.with_eos = false;
  options.batch_size = batch_size;
  const std::vector<AnswerNll> nll = pairs.empty() ? std::vector<AnswerNll>() : answer_nll(scorer, collator, pairs, options);
  std::vector<AnswerNll> out(questions.size());  // {0, 0}: no token scored
  for (size_t k = 0; k < scored.size(); ++k) out[scored[k]] = nll.at(k);
  return out;
}

double perplexity(const AnswerNll& nll) { return std::exp(nll.mean()); }

}  // namespace llmedit
