#include "libllmedit/core/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "libllmedit/core/error.h"

namespace llmedit {

namespace {

void fsync_path(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

void write_file_atomic(const std::string& path, const std::function<void(std::ostream&)>& write) {
  const std::string temp = path + ".tmp." + std::to_string(::getpid());
  try {
    {
      std::ofstream out(temp, std::ios::binary | std::ios::trunc);
      if (!out) throw data_error("cannot write '" + path + "': " + std::strerror(errno));
      errno = 0;
      write(out);
      out.flush();
      // The target is named (not the temp file): it is the one the user knows, and it is unchanged.
      if (!out) throw data_error("cannot write '" + path + "': " + (errno ? std::strerror(errno) : "write failed") +
                                 " (disk full?); the previous file is unchanged");
      out.close();
      if (!out) throw data_error("cannot write '" + path + "': closing failed (disk full?); the previous file is unchanged");
    }
    fsync_path(temp);
    std::filesystem::rename(temp, path);
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(temp, ignored);
    throw;
  }
}

void write_text_atomic(const std::string& path, const std::string& text) {
  write_file_atomic(path, [&](std::ostream& out) { out << text; });
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw data_error("cannot read '" + path + "': file does not exist or is not readable");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace llmedit
