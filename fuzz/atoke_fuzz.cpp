// libFuzzer target: an AToKe JSON file (SE, ME or EE cases) through read_atoke_file.
#include <cstdint>

#include "fuzz/fuzz_support.h"
#include "libllmedit/data/atoke.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const llmedit::fuzz::MemoryFile file(data, size);
  llmedit::fuzz::expect_clean_failure([&] { llmedit::read_atoke_file(file.path()); });
  return 0;
}
