#include "sl/core/logging.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <cstdlib>

namespace sl::logging {

void init(int verbosity) {
  auto logger = spdlog::stderr_color_mt("sl");
  logger->set_pattern("%^[%H:%M:%S %l]%$ %v");
  spdlog::set_default_logger(logger);
  spdlog::level::level_enum level = spdlog::level::info;
  if (verbosity >= 2) level = spdlog::level::trace;
  else if (verbosity == 1) level = spdlog::level::debug;
  else if (verbosity < 0) level = spdlog::level::warn;
  if (const char* env = std::getenv("SL_LOG_LEVEL"); env && *env) level = spdlog::level::from_str(env);
  spdlog::set_level(level);
}

}  // namespace sl::logging
