#include "libllmedit/augment/stage_cache.h"

#include <cinttypes>
#include <cstdio>
#include <filesystem>

#include "libllmedit/augment/text_rules.h"
#include "libllmedit/core/atomic_file.h"
#include "libllmedit/core/error.h"
#include "libllmedit/core/logging.h"

namespace llmedit::augment {

std::string cache_key(const nlohmann::json& key) {
  const std::string text = key.dump();
  char hex[33];
  std::snprintf(hex, sizeof hex, "%016" PRIx64 "%016" PRIx64, fnv1a64(text), fnv1a64(text, 0x84222325cbf29ce4ULL));
  return hex;
}

std::string StageCache::path(const std::string& stage, const nlohmann::json& key) const {
  return dir_ + "/" + stage + "-" + cache_key(key) + ".json";
}

nlohmann::json StageCache::get_or_compute(const std::string& stage, const nlohmann::json& key,
                                          const std::function<nlohmann::json()>& compute, bool* hit) {
  *hit = false;
  if (dir_.empty()) return compute();
  const std::string file = path(stage, key);
  if (std::filesystem::exists(file)) {
    try {
      nlohmann::json stored = nlohmann::json::parse(read_text_file(file));
      if (stored.is_object() && stored.value("stage", "") == stage && stored.contains("output")) {
        *hit = true;
        spdlog::info("augment: {}: read from the cache ({}), nothing generated", stage, file);
        return stored["output"];
      }
    } catch (const std::exception&) {
      // A damaged entry (e.g. a disk filled mid-write by another tool) is recomputed and replaced.
    }
    spdlog::warn("augment: {}: cache entry {} is unreadable; computing it again", stage, file);
  }
  nlohmann::json output = compute();
  std::error_code error;
  std::filesystem::create_directories(dir_, error);
  if (error) throw config_error("augment.cache_dir: cannot create '" + dir_ + "': " + error.message());
  write_text_atomic(file, nlohmann::json{{"stage", stage}, {"output", output}}.dump());
  return output;
}

}  // namespace llmedit::augment
