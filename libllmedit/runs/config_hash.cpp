#include "libllmedit/runs/config_hash.h"

#include <cstdint>
#include <cstdio>

namespace llmedit {

std::string config_hash(const nlohmann::json& resolved_config) {
  nlohmann::json what = resolved_config;
  if (what.is_object()) {
    what.erase("output");
    what.erase("name");
  }
  // nlohmann::json keeps object keys sorted, so dump() is canonical.
  const std::string text = what.dump();
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

}  // namespace llmedit
