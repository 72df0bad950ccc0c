#include "libllmedit/augment/script_filter.h"

#include <cstdint>
#include <cstdio>

#include "libllmedit/tokenizer/unicode.h"

namespace llmedit::augment {

namespace {

struct ScriptRange {
  uint32_t first, last;
  const char* script;
};

// The main blocks of the Unicode scripts (Scripts.txt, abridged to whole blocks).
constexpr ScriptRange kScripts[] = {
    {0x0041, 0x024F, "Latin"},    {0x1E00, 0x1EFF, "Latin"},     {0x2C60, 0x2C7F, "Latin"},
    {0xA720, 0xA7FF, "Latin"},    {0xFF21, 0xFF5A, "Latin"},     {0x0370, 0x03FF, "Greek"},
    {0x1F00, 0x1FFF, "Greek"},    {0x0400, 0x052F, "Cyrillic"},  {0x2DE0, 0x2DFF, "Cyrillic"},
    {0xA640, 0xA69F, "Cyrillic"}, {0x0530, 0x058F, "Armenian"},  {0x0590, 0x05FF, "Hebrew"},
    {0x0600, 0x06FF, "Arabic"},   {0x0750, 0x077F, "Arabic"},    {0x08A0, 0x08FF, "Arabic"},
    {0xFB50, 0xFDFF, "Arabic"},   {0xFE70, 0xFEFF, "Arabic"},    {0x0900, 0x097F, "Devanagari"},
    {0x0980, 0x09FF, "Bengali"},  {0x0A00, 0x0A7F, "Gurmukhi"},  {0x0A80, 0x0AFF, "Gujarati"},
    {0x0B80, 0x0BFF, "Tamil"},    {0x0C00, 0x0C7F, "Telugu"},    {0x0E00, 0x0E7F, "Thai"},
    {0x10A0, 0x10FF, "Georgian"}, {0x1100, 0x11FF, "Hangul"},    {0x3130, 0x318F, "Hangul"},
    {0xAC00, 0xD7AF, "Hangul"},   {0x3040, 0x309F, "Hiragana"},  {0x30A0, 0x30FF, "Katakana"},
    {0x31F0, 0x31FF, "Katakana"}, {0xFF66, 0xFF9F, "Katakana"},  {0x2E80, 0x2FDF, "Han"},
    {0x3005, 0x3007, "Han"},      {0x3400, 0x4DBF, "Han"},       {0x4E00, 0x9FFF, "Han"},
    {0xF900, 0xFAFF, "Han"},      {0x20000, 0x3FFFF, "Han"},
};

// Letters only: every other character is shared by all scripts (Unicode's Common/Inherited).
std::string script_of(uint32_t cp) {
  if (!unicode::is_letter(cp)) return "";
  for (const ScriptRange& r : kScripts)
    if (cp >= r.first && cp <= r.last) return r.script;
  char block[16];
  std::snprintf(block, sizeof block, "U+%04X", static_cast<unsigned>(cp & ~0x7Fu));
  return block;
}

}  // namespace

std::set<std::string> scripts_of(const std::string& text) {
  std::set<std::string> out;
  if (!unicode::is_valid_utf8(text)) out.insert("invalid");
  const std::string valid = unicode::from_utf8_lossy(text);
  for (size_t pos = 0; pos < valid.size();) {
    const std::string script = script_of(unicode::next_code_point(valid, pos));
    if (!script.empty()) out.insert(script);
  }
  return out;
}

bool has_foreign_script(const std::string& text, const std::set<std::string>& allowed) {
  for (const std::string& script : scripts_of(text))
    if (!allowed.count(script)) return true;
  return false;
}

}  // namespace llmedit::augment
