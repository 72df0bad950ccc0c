// Running the built `llmedit` binary (LLMEDIT_CLI_PATH) as a user would, and other built programs
// (the examples, cmake), with their output captured.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

namespace llmedit::test {

// Single quotes for /bin/sh.
inline std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout
  std::string error;   // stderr
};

// Runs `program` (a path, quoted here) with already shell-quoted `arguments`; captures stdout
// and stderr separately.
inline CommandResult run_program(const std::string& program, const std::string& arguments) {
  CommandResult result;
  char stderr_path[] = "/tmp/llmedit-cli-stderr-XXXXXX";
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

// Runs the built `llmedit` (LLMEDIT_CLI_PATH) as a user would.
inline CommandResult run_cli(const std::string& arguments) { return run_program(LLMEDIT_CLI_PATH, arguments); }

}  // namespace llmedit::test
