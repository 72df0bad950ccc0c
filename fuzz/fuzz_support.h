// Shared by the fuzz targets: the input as a file for readers that only take a path, and the
// check that a parser fails only the way the CLI expects (an llmedit user error on one line).
#pragma once
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <string>

#include "libllmedit/core/error.h"

namespace llmedit::fuzz {

// An anonymous in-memory file (memfd) reached through /proc/self/fd: readers open it like any
// path, nothing touches the disk, and parallel fuzzing jobs cannot collide on a name.
class MemoryFile {
 public:
  MemoryFile(const uint8_t* data, size_t size) {
    fd_ = ::memfd_create("llmedit-fuzz", MFD_CLOEXEC);
    if (fd_ < 0) std::abort();
    for (size_t done = 0; done < size;) {
      const ssize_t n = ::write(fd_, data + done, size - done);
      if (n <= 0) std::abort();
      done += static_cast<size_t>(n);
    }
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  ~MemoryFile() { ::close(fd_); }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;

  const std::string& path() const { return path_; }

 private:
  int fd_ = -1;
  std::string path_;
};

// Runs `parse`; an llmedit error is the expected outcome of bad input and passes when it is a
// user error (exit code 2 in the CLI) on one line. Anything else (another exception type, an
// internal error, a multi-line message) aborts, which libFuzzer reports as a crash.
template <class Parse>
void expect_clean_failure(Parse&& parse) {
  try {
    parse();
  } catch (const Error& e) {
    const std::string message = e.what();
    if (e.exit_code() != 2 || message.empty() || message.find_first_of("\r\n") != std::string::npos) {
      std::fprintf(stderr, "bad llmedit error (exit code %d): %s\n", e.exit_code(), message.c_str());
      std::abort();
    }
  }
}

}  // namespace llmedit::fuzz
