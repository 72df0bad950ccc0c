// libFuzzer target: a QA file (KnowUnDo JSON array, TOFU-style or world JSONL) through
// read_qa_file, which detects the format from the content.
#include <cstdint>

#include "fuzz/fuzz_support.h"
#include "libllmedit/data/qa_dataset.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const llmedit::fuzz::MemoryFile file(data, size);
  llmedit::fuzz::expect_clean_failure([&] { llmedit::read_qa_file(file.path()); });
  return 0;
}
