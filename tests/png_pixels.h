// Reading a PNG screenshot back for the report tests: its size, and how many pixels differ from
// the background (the top-left pixel), which tells a rendered page from a blank one.
#pragma once
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#if __has_include(<zlib.h>)
#include <zlib.h>
#define LLMEDIT_TEST_PNG_DECODE 1
#endif

namespace llmedit::test {

struct PngSummary {
  bool valid = false;    // the signature and IHDR parse
  bool decoded = false;  // pixels were inflated and unfiltered (8-bit RGB or RGBA only)
  uint32_t width = 0, height = 0;
  double non_background = 0;  // fraction of pixels unlike the top-left one
};

namespace png_detail {

inline uint32_t be32(const std::string& s, size_t at) {
  return (uint32_t(uint8_t(s[at])) << 24) | (uint32_t(uint8_t(s[at + 1])) << 16) | (uint32_t(uint8_t(s[at + 2])) << 8) |
         uint32_t(uint8_t(s[at + 3]));
}

inline int paeth(int a, int b, int c) {
  const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

// Undoes PNG's per-row filters in place; `raw` holds (1 filter byte + stride) per row.
inline std::vector<uint8_t> unfilter(const std::vector<uint8_t>& raw, uint32_t height, size_t stride, size_t bpp) {
  std::vector<uint8_t> out(stride * height);
  for (uint32_t y = 0; y < height; ++y) {
    const uint8_t filter = raw[y * (stride + 1)];
    const uint8_t* in = &raw[y * (stride + 1) + 1];
    uint8_t* row = &out[y * stride];
    const uint8_t* up = y ? &out[(y - 1) * stride] : nullptr;
    for (size_t x = 0; x < stride; ++x) {
      const int a = x >= bpp ? row[x - bpp] : 0, b = up ? up[x] : 0, c = up && x >= bpp ? up[x - bpp] : 0;
      const int predictor = filter == 1 ? a : filter == 2 ? b : filter == 3 ? (a + b) / 2 : filter == 4 ? paeth(a, b, c) : 0;
      row[x] = uint8_t(in[x] + predictor);
    }
  }
  return out;
}

}  // namespace png_detail

inline PngSummary summarize_png(const std::string& path) {
  using namespace png_detail;
  PngSummary summary;
  std::ifstream file(path, std::ios::binary);
  const std::string s((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (s.size() < 33 || s.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0 || s.compare(12, 4, "IHDR") != 0) return summary;
  summary.valid = true;
  summary.width = be32(s, 16);
  summary.height = be32(s, 20);
#ifdef LLMEDIT_TEST_PNG_DECODE
  const int depth = uint8_t(s[24]), colour = uint8_t(s[25]), interlace = uint8_t(s[28]);
  if (depth != 8 || (colour != 2 && colour != 6) || interlace != 0) return summary;
  std::string idat;
  for (size_t at = 8; at + 12 <= s.size();) {
    const uint32_t length = be32(s, at);
    if (s.compare(at + 4, 4, "IDAT") == 0) idat += s.substr(at + 8, length);
    at += 12 + length;
  }
  const size_t bpp = colour == 6 ? 4 : 3, stride = bpp * summary.width;
  std::vector<uint8_t> raw((stride + 1) * summary.height);
  uLongf size = raw.size();
  if (uncompress(raw.data(), &size, reinterpret_cast<const Bytef*>(idat.data()), idat.size()) != Z_OK || size != raw.size())
    return summary;
  const std::vector<uint8_t> pixels = unfilter(raw, summary.height, stride, bpp);
  size_t different = 0;
  for (size_t p = 0; p < size_t(summary.width) * summary.height; ++p)
    for (size_t k = 0; k < 3; ++k)
      if (pixels[p * bpp + k] != pixels[k]) {
        ++different;
        break;
      }
  summary.decoded = true;
  summary.non_background = double(different) / (double(summary.width) * summary.height);
#endif
  return summary;
}

}  // namespace llmedit::test
