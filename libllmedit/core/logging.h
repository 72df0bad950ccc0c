// Logging goes through spdlog's default logger to stderr, so stdout stays machine-readable.
#pragma once
#include <spdlog/spdlog.h>

#include <string>

namespace llmedit {

// level: "trace", "debug", "info", "warn", "error", "off".
void init_logging(const std::string& level = "info");

}  // namespace llmedit
