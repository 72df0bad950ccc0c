#include "libllmedit/core/remove_tree.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "libllmedit/core/error.h"

namespace llmedit {

namespace {

// 0 when `path` is gone; otherwise errno, with the entry that failed in `failed`.
int remove_entry(const std::string& path, std::string& failed) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) return 0;
    failed = path;
    return errno;
  }
  if (S_ISDIR(info.st_mode)) {
    DIR* dir = ::opendir(path.c_str());
    if (dir == nullptr) {
      failed = path;
      return errno;
    }
    std::vector<std::string> children;
    while (const dirent* entry = ::readdir(dir)) {
      const std::string name = entry->d_name;
      if (name != "." && name != "..") children.push_back(name);
    }
    ::closedir(dir);
    for (const std::string& child : children)
      if (const int error = remove_entry(path + "/" + child, failed)) return error;
    if (::rmdir(path.c_str()) == 0) return 0;
  } else if (::unlink(path.c_str()) == 0) {
    return 0;
  }
  failed = path;
  return errno;
}

}  // namespace

void remove_tree(const std::string& path) {
  std::string failed;
  if (const int error = remove_entry(path, failed))
    throw Error(ErrorKind::Internal, "cannot remove " + failed + ": " + std::strerror(error));
}

bool try_remove_tree(const std::string& path) noexcept {
  try {
    std::string failed;
    return remove_entry(path, failed) == 0;
  } catch (...) {  // std::bad_alloc from a path string
    return false;
  }
}

}  // namespace llmedit
