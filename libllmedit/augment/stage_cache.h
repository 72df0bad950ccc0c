// On-disk cache of the augmentation stages: each stage's output is stored as
// <dir>/<stage>-<key>.json, where <key> hashes everything the output depends on (the input
// items or the previous stage's output, the options, the provider's identity and prompts). A
// rerun with the same inputs then reads every stage back and asks the provider nothing.
#pragma once
#include <nlohmann/json.hpp>

#include <functional>
#include <string>

namespace llmedit::augment {

// 128-bit hex digest (two FNV-1a 64 lanes) of the canonical dump of `key` (object keys sorted).
std::string cache_key(const nlohmann::json& key);

class StageCache {
 public:
  // `dir` empty: no caching, every stage computes.
  explicit StageCache(std::string dir) : dir_(std::move(dir)) {}

  // The cached output of `stage` for `key`, or compute() (then stored). `hit` tells which.
  nlohmann::json get_or_compute(const std::string& stage, const nlohmann::json& key,
                                const std::function<nlohmann::json()>& compute, bool* hit);

  std::string path(const std::string& stage, const nlohmann::json& key) const;
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

}  // namespace llmedit::augment
