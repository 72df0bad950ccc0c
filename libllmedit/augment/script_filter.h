// The foreign-script filter of ReLearn's diversification step: LLM rewrites sometimes drift
// into another script (the reference drops pairs with Chinese characters in English data). Here
// the allowed scripts are those of the input itself, so the filter works for any language.
#pragma once
#include <set>
#include <string>

namespace llmedit::augment {

// The scripts of the letters in `text` ("Latin", "Greek", "Cyrillic", "Han", ...; a letter in no
// listed script is named by its 128-code-point block, "U+0F00"). Digits, punctuation, symbols,
// spaces and combining marks belong to no script and are always allowed. Invalid UTF-8 counts
// as the script "invalid".
std::set<std::string> scripts_of(const std::string& text);

// True when `text` has a letter whose script is not in `allowed`.
bool has_foreign_script(const std::string& text, const std::set<std::string>& allowed);

}  // namespace llmedit::augment
