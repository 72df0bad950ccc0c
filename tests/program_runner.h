// Running a built program other than `llmedit` (the examples, cmake) with its output captured,
// as the CLI tests run `llmedit` (tests/cli_runner.h).
#pragma once
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

#include "tests/cli_runner.h"

namespace llmedit::test {

// Runs `program` (a path, quoted here) with already shell-quoted `arguments`.
inline CommandResult run_program(const std::string& program, const std::string& arguments) {
  CommandResult result;
  char stderr_path[] = "/tmp/llmedit-program-stderr-XXXXXX";
  const int fd = ::mkstemp(stderr_path);
  if (fd < 0) return result;
  ::close(fd);
  const std::string command = shell_quote(program) + " " + arguments + " 2>" + shell_quote(stderr_path);
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char buffer[4096];
    for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) result.output.append(buffer, n);
    const int status = ::pclose(pipe);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  std::ifstream in(stderr_path, std::ios::binary);
  result.error.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  std::remove(stderr_path);
  return result;
}

}  // namespace llmedit::test
