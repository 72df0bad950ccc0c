#include "libllmedit/core/logging.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace llmedit {

void init_logging(const std::string& level) {
  auto logger = spdlog::get("llmedit");
  if (!logger) logger = spdlog::stderr_color_mt("llmedit");
  logger->set_pattern("[%H:%M:%S] %^%l%$ %v");
  logger->set_level(spdlog::level::from_str(level));
  spdlog::set_default_logger(logger);
}

}  // namespace llmedit
