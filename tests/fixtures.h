// Locating ../shared and skipping tests that need it when it is absent.
#pragma once
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>

#include <unistd.h>

#include "libllmedit/core/remove_tree.h"

namespace llmedit::test {

// The source tree, and the model it ships (DESIGN.md §9), which many tests run.
inline const std::string kRoot = LLMEDIT_SOURCE_DIR;
inline const std::string kWorldModel = kRoot + "/data/models/world-tiny";

// ${LLMEDIT_SHARED:-<source>/../shared}
inline std::string shared_dir() {
  if (const char* env = std::getenv("LLMEDIT_SHARED")) return env;
  return std::string(LLMEDIT_SOURCE_DIR) + "/../shared";
}

inline std::string shared_path(const std::string& relative) { return shared_dir() + "/" + relative; }

// CTest runs each test case alone and counts exit code 77 as "skipped".
inline void require_shared_or_skip(const std::string& relative) {
  const std::string path = shared_path(relative);
  if (std::filesystem::exists(path)) return;
  std::cerr << "SKIPPED: fixture folder not found: " << path
            << " (set LLMEDIT_SHARED to the shared/ folder)" << std::endl;
  std::exit(77);
}

inline std::string temp_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("llmedit-test-" + name + "-" + std::to_string(::getpid()));
  remove_tree(dir.string());
  std::filesystem::create_directories(dir);
  return dir.string();
}

// A fresh temp folder for one test case, removed again when the test case ends.
struct TempDir {
  explicit TempDir(const std::string& name) : path(temp_dir(name)) {}
  ~TempDir() {
    try_remove_tree(path);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string path;
};

}  // namespace llmedit::test
