// Lookups over the generated tables in unicode_tables.cpp, UTF-8 coding and NFC.
#include "libllmedit/tokenizer/unicode.h"

#include <algorithm>
#include <utility>

#include "libllmedit/tokenizer/unicode_tables.h"

namespace llmedit::unicode {

namespace tables = llmedit::unicode_tables;

namespace {

constexpr uint32_t kMaxCodePoint = 0x10FFFF;
constexpr uint32_t kReplacement = 0xFFFD;

// One byte per code point (1.1 MB): the pre-tokenizer asks for the category of every
// character, and a flat table beats a binary search over ~4000 runs.
const std::vector<uint8_t>& category_table() {
  static const std::vector<uint8_t> table = [] {
    std::vector<uint8_t> t(kMaxCodePoint + 1);
    for (size_t i = 0; i < tables::kCategoryRunCount; ++i) {
      const uint32_t start = tables::kCategoryRuns[i].start;
      const uint32_t end = i + 1 < tables::kCategoryRunCount ? tables::kCategoryRuns[i + 1].start : kMaxCodePoint + 1;
      std::fill(t.begin() + start, t.begin() + end, tables::kCategoryRuns[i].category);
    }
    return t;
  }();
  return table;
}

}  // namespace

Category category(uint32_t cp) {
  if (cp > kMaxCodePoint) return Category::Cn;
  return static_cast<Category>(category_table()[cp]);
}

char category_group(Category c) {
  static const char groups[] = "LLLLLMMMNNNPPPPPPPSSSSZZZCCCCC";
  return groups[static_cast<size_t>(c)];
}

uint32_t category_mask(const std::string& name) {
  static const char* const names[] = {"Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl",
                                      "No", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Sm", "Sc",
                                      "Sk", "So", "Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Co", "Cn"};
  uint32_t mask = 0;
  for (unsigned i = 0; i < 30; ++i) {
    const Category c = static_cast<Category>(i);
    if (name == names[i] || (name.size() == 1 && name[0] == category_group(c))) mask |= category_bit(c);
  }
  return mask;
}

bool is_white_space(uint32_t cp) {
  if (cp < 0x80) return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20;
  return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
         cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

// ---------------------------------------------------------------- UTF-8

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

uint32_t next_code_point(const std::string& text, size_t& pos) {
  const auto byte = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(text[i])); };
  const uint32_t b0 = byte(pos);
  if (b0 < 0x80) {
    pos += 1;
    return b0;
  }
  if (b0 < 0xE0) {
    pos += 2;
    return ((b0 & 0x1F) << 6) | (byte(pos - 1) & 0x3F);
  }
  if (b0 < 0xF0) {
    pos += 3;
    return ((b0 & 0x0F) << 12) | ((byte(pos - 2) & 0x3F) << 6) | (byte(pos - 1) & 0x3F);
  }
  pos += 4;
  return ((b0 & 0x07) << 18) | ((byte(pos - 3) & 0x3F) << 12) | ((byte(pos - 2) & 0x3F) << 6) |
         (byte(pos - 1) & 0x3F);
}

void decode_utf8(const std::string& text, std::vector<uint32_t>& cps, std::vector<uint32_t>& offsets) {
  cps.clear();
  offsets.clear();
  size_t pos = 0;
  while (pos < text.size()) {
    offsets.push_back(static_cast<uint32_t>(pos));
    cps.push_back(next_code_point(text, pos));
  }
  offsets.push_back(static_cast<uint32_t>(text.size()));
}

namespace {

// Length of the valid UTF-8 sequence at p, or 0; `subpart` then gets the length of the
// maximal prefix of a valid sequence (at least 1), which is replaced by one U+FFFD.
size_t valid_sequence_length(const unsigned char* p, size_t available, size_t& subpart) {
  const unsigned char b0 = p[0];
  size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // the range of the second byte
  if (b0 < 0x80) return 1;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    length = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    length = 3;
    if (b0 == 0xE0) low = 0xA0;
    if (b0 == 0xED) high = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    length = 4;
    if (b0 == 0xF0) low = 0x90;
    if (b0 == 0xF4) high = 0x8F;
  } else {
    subpart = 1;
    return 0;
  }
  for (size_t i = 1; i < length; ++i) {
    const bool ok = i < available && p[i] >= (i == 1 ? low : 0x80) && p[i] <= (i == 1 ? high : 0xBF);
    if (!ok) {
      subpart = i;
      return 0;
    }
  }
  return length;
}

}  // namespace

bool is_valid_utf8(const std::string& bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t pos = 0, subpart = 0;
  while (pos < bytes.size()) {
    if (p[pos] < 0x80) {
      ++pos;
      continue;
    }
    const size_t n = valid_sequence_length(p + pos, bytes.size() - pos, subpart);
    if (n == 0) return false;
    pos += n;
  }
  return true;
}

std::string from_utf8_lossy(const std::string& bytes) {
  if (is_valid_utf8(bytes)) return bytes;
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  std::string out;
  size_t pos = 0, subpart = 0;
  while (pos < bytes.size()) {
    const size_t n = valid_sequence_length(p + pos, bytes.size() - pos, subpart);
    if (n > 0) {
      out.append(bytes, pos, n);
      pos += n;
    } else {
      append_utf8(out, kReplacement);
      pos += subpart;
    }
  }
  return out;
}

// ---------------------------------------------------------------- NFC

namespace {

constexpr uint32_t kHangulBase = 0xAC00, kHangulCount = 11172;
constexpr uint32_t kJamoL = 0x1100, kJamoV = 0x1161, kJamoT = 0x11A7;
constexpr uint32_t kJamoVCount = 21, kJamoTCount = 28, kJamoLCount = 19;

bool nfc_unsafe(uint32_t cp) {
  const auto* end = tables::kNfcUnsafe + tables::kNfcUnsafeCount;
  const auto* it = std::upper_bound(tables::kNfcUnsafe, end, cp,
                                    [](uint32_t c, const tables::CodeRange& r) { return c < r.first; });
  return it != tables::kNfcUnsafe && cp <= (it - 1)->last;
}

void append_decomposition(std::vector<uint32_t>& out, uint32_t cp) {
  if (cp >= kHangulBase && cp < kHangulBase + kHangulCount) {
    const uint32_t index = cp - kHangulBase;
    out.push_back(kJamoL + index / (kJamoVCount * kJamoTCount));
    out.push_back(kJamoV + (index % (kJamoVCount * kJamoTCount)) / kJamoTCount);
    if (index % kJamoTCount != 0) out.push_back(kJamoT + index % kJamoTCount);
    return;
  }
  const auto* end = tables::kDecompositions + tables::kDecompositionCount;
  const auto* it = std::lower_bound(tables::kDecompositions, end, cp,
                                    [](const tables::Decomposition& d, uint32_t c) { return d.code_point < c; });
  if (it == end || it->code_point != cp) {
    out.push_back(cp);
    return;
  }
  out.insert(out.end(), tables::kDecompositionData + it->offset, tables::kDecompositionData + it->offset + it->length);
}

// 0 when the pair does not compose.
uint32_t compose_pair(uint32_t first, uint32_t second) {
  if (first >= kJamoL && first < kJamoL + kJamoLCount && second >= kJamoV && second < kJamoV + kJamoVCount)
    return kHangulBase + ((first - kJamoL) * kJamoVCount + (second - kJamoV)) * kJamoTCount;
  if (first >= kHangulBase && first < kHangulBase + kHangulCount && (first - kHangulBase) % kJamoTCount == 0 &&
      second > kJamoT && second < kJamoT + kJamoTCount)
    return first + (second - kJamoT);
  const auto* end = tables::kCompositions + tables::kCompositionCount;
  const auto* it = std::lower_bound(tables::kCompositions, end, std::make_pair(first, second),
                                    [](const tables::Composition& c, const std::pair<uint32_t, uint32_t>& key) {
                                      return std::make_pair(c.first, c.second) < key;
                                    });
  return (it != end && it->first == first && it->second == second) ? it->composite : 0;
}

// Stable sort of each run of non-starters by combining class (canonical ordering).
void canonical_order(std::vector<uint32_t>& cps) {
  for (size_t i = 1; i < cps.size(); ++i) {
    const uint8_t ccc = combining_class(cps[i]);
    if (ccc == 0) continue;
    size_t j = i;
    while (j > 0 && combining_class(cps[j - 1]) > ccc) {
      std::swap(cps[j], cps[j - 1]);
      --j;
    }
  }
}

std::vector<uint32_t> compose(const std::vector<uint32_t>& cps) {
  std::vector<uint32_t> out;
  out.reserve(cps.size());
  size_t starter = 0;
  int last_class = 256;  // blocks composition until the first starter
  for (uint32_t cp : cps) {
    const int ccc = combining_class(cp);
    if (!out.empty() && (last_class < ccc || last_class == 0)) {
      if (const uint32_t composite = compose_pair(out[starter], cp)) {
        out[starter] = composite;
        continue;
      }
    }
    if (ccc == 0) starter = out.size();
    last_class = ccc;
    out.push_back(cp);
  }
  return out;
}

}  // namespace

uint8_t combining_class(uint32_t cp) {
  if (cp < 0x300) return 0;
  const auto* end = tables::kCombiningRuns + tables::kCombiningRunCount;
  const auto* it = std::upper_bound(tables::kCombiningRuns, end, cp,
                                    [](uint32_t c, const tables::CombiningRun& r) { return c < r.first; });
  return (it != tables::kCombiningRuns && cp <= (it - 1)->last) ? (it - 1)->ccc : 0;
}

std::string nfc(const std::string& text) {
  // Most text is already NFC: only characters in the unsafe set can change anything.
  bool safe = true;
  for (size_t pos = 0; pos < text.size() && safe;) {
    if (static_cast<unsigned char>(text[pos]) < 0x80) {
      ++pos;
      continue;
    }
    safe = !nfc_unsafe(next_code_point(text, pos));
  }
  if (safe) return text;

  std::vector<uint32_t> decomposed;
  for (size_t pos = 0; pos < text.size();) append_decomposition(decomposed, next_code_point(text, pos));
  canonical_order(decomposed);
  std::string out;
  for (uint32_t cp : compose(decomposed)) append_utf8(out, cp);
  return out;
}

std::string nfd(const std::string& text) {
  if (std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; })) return text;
  std::vector<uint32_t> decomposed;
  for (size_t pos = 0; pos < text.size();) append_decomposition(decomposed, next_code_point(text, pos));
  canonical_order(decomposed);
  std::string out;
  for (uint32_t cp : decomposed) append_utf8(out, cp);
  return out;
}

}  // namespace llmedit::unicode
