// Writes that never leave a half-written file: write a sibling temp file, then rename over the target.
#pragma once
#include <functional>
#include <ostream>
#include <string>

namespace llmedit {

// Calls `write` with a stream to a temp file next to `path`, flushes it to disk and renames it
// to `path`. On any failure the temp file is removed and the old `path` (if any) is untouched.
void write_file_atomic(const std::string& path, const std::function<void(std::ostream&)>& write);

void write_text_atomic(const std::string& path, const std::string& text);

std::string read_text_file(const std::string& path);

}  // namespace llmedit
