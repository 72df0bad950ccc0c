// libFuzzer target: a .safetensors file (header length, JSON header, data) through
// SafetensorsReader, then every tensor small enough through load().
#include <cstdint>

#include "fuzz/fuzz_support.h"
#include "libllmedit/io/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const llmedit::fuzz::MemoryFile file(data, size);
  llmedit::fuzz::expect_clean_failure([&] {
    const llmedit::SafetensorsReader reader(file.path());
    for (const auto& entry : reader.entries()) {
      llmedit::fuzz::expect_clean_failure([&] { reader.load(entry.name); });
    }
  });
  return 0;
}
