// libFuzzer target: a tokenizer.json loaded by HfTokenizer, then text encoded and decoded with
// it. The input is the tokenizer.json, optionally followed by a NUL byte and the text to encode
// (a NUL cannot occur in valid JSON, so the split is unambiguous); without one a fixed mixed-
// script sample is encoded.
#include <cstdint>
#include <cstring>
#include <string>

#include "fuzz/fuzz_support.h"
#include "libllmedit/tokenizer/hf_tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto* nul = static_cast<const uint8_t*>(std::memchr(data, 0, size));
  const size_t json_size = nul ? static_cast<size_t>(nul - data) : size;
  const std::string text = nul ? std::string(reinterpret_cast<const char*>(nul + 1), data + size - nul - 1)
                               : std::string("Hello, world! 12345 ça  va?\n\tÜber 東京 🙂 <s></s>[CLS]");
  const llmedit::fuzz::MemoryFile file(data, json_size);
  llmedit::fuzz::expect_clean_failure([&] {
    const llmedit::HfTokenizer tokenizer(file.path(), llmedit::TokenizerConfig{});
    const std::vector<int64_t> ids = tokenizer.encode(text, true);
    tokenizer.encode(text, false);
    tokenizer.decode(ids, false);
    tokenizer.decode(ids, true);
    tokenizer.decode({-1, 0, 1, tokenizer.vocab_size(), INT64_MAX, INT64_MIN}, false);
    for (const int64_t id : ids) tokenizer.piece_to_id(tokenizer.id_to_piece(id));
    llmedit::fuzz::expect_clean_failure([&] { tokenizer.encode_pair(text, text, true); });
  });
  return 0;
}
