// libFuzzer target: a Hugging Face config.json read into an ArchSpec, then its parameter count
// (the arithmetic `llmedit info` does on the values read). Invalid JSON is left to the JSON
// reader (checkpoint.cpp); this target is about the values.
#include <cstdint>

#include <nlohmann/json.hpp>

#include "fuzz/fuzz_support.h"
#include "libllmedit/model/arch_spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const nlohmann::json config = nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (config.is_discarded()) return 0;
  llmedit::fuzz::expect_clean_failure([&] {
    const llmedit::ArchSpec spec = llmedit::ArchSpec::from_config(config, "config.json");
    spec.num_parameters();
  });
  return 0;
}
