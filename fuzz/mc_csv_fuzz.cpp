// libFuzzer target: a multiple-choice CSV file (MMLU/CMMLU/ArcMMLU layout) through
// read_mc_csv, which runs the RFC 4180 parser and then the layout and answer-letter checks.
#include <cstdint>

#include "fuzz/fuzz_support.h"
#include "libllmedit/data/mc_csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const llmedit::fuzz::MemoryFile file(data, size);
  llmedit::fuzz::expect_clean_failure([&] { llmedit::read_mc_csv(file.path()); });
  return 0;
}
