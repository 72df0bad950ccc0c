// `cmake --install` of this build tree into a temporary prefix, then an outside project (the
// installed examples folder, building custom_unlearner) configured with find_package(llmedit),
// built against the installed tree and run from outside the build tree, where the tokenizer must
// find the installed SentencePiece module through the package's RUNPATH.
#include <catch2/catch.hpp>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "tests/fixtures.h"
#include "tests/cli_runner.h"

using namespace llmedit::test;
namespace fs = std::filesystem;

namespace {

#ifndef LLMEDIT_CMAKE_COMMAND
#define LLMEDIT_CMAKE_COMMAND ""
#define LLMEDIT_BINARY_DIR ""
#define LLMEDIT_CMAKE_GENERATOR ""
#define LLMEDIT_CXX_COMPILER ""
#define LLMEDIT_TORCH_DIR ""
#define LLMEDIT_CXX_LAUNCHER ""
#endif

// One folder per build tree, the same on every run, so ccache can reuse the outside build's object.
fs::path install_check_dir() {
  return fs::temp_directory_path() /
         ("llmedit-install-check-" + std::to_string(std::hash<std::string>{}(LLMEDIT_BINARY_DIR)));
}

void run_step(const std::string& what, const std::string& program, const std::string& arguments) {
  const CommandResult result = run_program(program, arguments);
  INFO(what << ": " << program << " " << arguments << "\n" << result.output << result.error);
  REQUIRE(result.exit_code == 0);
}

}  // namespace

TEST_CASE("cmake --install gives a package that an outside project builds and runs against", "[api][install]") {
  if (!*LLMEDIT_CMAKE_COMMAND) {
    std::cerr << "SKIPPED: built without the install test's settings (LLMEDIT_CMAKE_COMMAND)" << std::endl;
    std::exit(77);
  }
  const fs::path dir = install_check_dir();
  llmedit::remove_tree(dir);
  const fs::path prefix = dir / "prefix", build = dir / "build", run = dir / "run";
  const std::string cmake = LLMEDIT_CMAKE_COMMAND;

  run_step("install", cmake, "--install " + shell_quote(LLMEDIT_BINARY_DIR) + " --prefix " + shell_quote(prefix.string()));
  for (const char* file : {"lib/libllmedit.a", "lib/libllmedit_methods.a", "lib/libllmedit_sentencepiece.so",
                           "lib/cmake/llmedit/llmeditConfig.cmake", "lib/cmake/llmedit/llmeditConfigVersion.cmake",
                           "lib/cmake/llmedit/llmeditTargets.cmake", "include/llmedit/libllmedit/llmedit.h",
                           "include/llmedit/libllmedit/model/causal_lm.h", "include/llmedit/methods/register.h",
                           "bin/llmedit", "share/llmedit/examples/CMakeLists.txt"})
    CHECK(fs::exists(prefix / file));
  // Internal helpers stay out: headers no public header includes.
  for (const char* file : {"include/llmedit/libllmedit/core/logging.h", "include/llmedit/libllmedit/jobs/unlearn_job.h",
                           "include/llmedit/methods/unlearn/common/objective.h"})
    CHECK_FALSE(fs::exists(prefix / file));

  std::string configure = "-S " + shell_quote((prefix / "share/llmedit/examples").string()) + " -B " +
                          shell_quote(build.string()) + " -G " + shell_quote(LLMEDIT_CMAKE_GENERATOR) +
                          " -DCMAKE_BUILD_TYPE=Release -DLLMEDIT_EXAMPLES=custom_unlearner" +
                          " -DCMAKE_PREFIX_PATH=" + shell_quote(prefix.string()) +
                          " -DCMAKE_CXX_COMPILER=" + shell_quote(LLMEDIT_CXX_COMPILER);
  if (*LLMEDIT_TORCH_DIR) configure += " -DTorch_DIR=" + shell_quote(LLMEDIT_TORCH_DIR);
  if (*LLMEDIT_CXX_LAUNCHER) configure += " -DCMAKE_CXX_COMPILER_LAUNCHER=" + shell_quote(LLMEDIT_CXX_LAUNCHER);
  run_step("configure the outside project", cmake, configure);
  run_step("build the outside project", cmake, "--build " + shell_quote(build.string()));

  // Outside the build tree and with no override, only the RUNPATH leads to the module.
  const CommandResult result = run_program(
      "env", "-u LLMEDIT_SENTENCEPIECE_MODULE " + shell_quote((build / "custom_unlearner").string()) + " " +
                 shell_quote(std::string(LLMEDIT_SOURCE_DIR) + "/data/models/world-tiny") + " " +
                 shell_quote(std::string(LLMEDIT_SOURCE_DIR) + "/data/world/qa/forget.jsonl") + " " +
                 shell_quote(run.string()));
  INFO(result.error);
  CHECK(result.exit_code == 0);
  CHECK_THAT(result.output, Catch::Contains("forget answer loss"));
  llmedit::remove_tree(dir);
}
