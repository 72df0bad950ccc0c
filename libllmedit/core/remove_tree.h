// Removing a file or a folder with everything under it.
//
// Not std::filesystem::remove_all: in the build against PyTorch 2.11's LibTorch (GCC 13, the GPU
// machine) remove_all crashed with SIGSEGV on every non-empty folder, which killed training at its
// first checkpoint rotation and most tests at their temp folder's cleanup (that wheel's
// libtorch_cpu.so exports its own copy of libstdc++'s filesystem code, the likely cause). Plain
// POSIX calls do not go through libstdc++'s filesystem code.
#pragma once
#include <string>

namespace llmedit {

// Removes `path` and, for a folder, everything under it; symbolic links are removed, not
// followed. A missing path is not an error. Throws llmedit::Error naming the entry that could
// not be removed and why.
void remove_tree(const std::string& path);

// The same; returns false instead of throwing (for cleanup that must not throw).
bool try_remove_tree(const std::string& path) noexcept;

}  // namespace llmedit
