#include "libllmedit/augment/provider.h"

#include <cctype>

#include "libllmedit/augment/text_rules.h"

namespace llmedit::augment {

bool judge_passes(const std::string& reply) {
  // Scan words (letters only, lowercased) and keep the last yes/no: a chain-of-thought reply
  // may mention both before its final answer.
  std::string last, word;
  auto flush = [&] {
    if (word == "yes" || word == "no") last = word;
    word.clear();
  };
  for (char c : reply) {
    if (std::isalpha(static_cast<unsigned char>(c)))
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    else
      flush();
  }
  flush();
  return last == "no";
}

}  // namespace llmedit::augment
