// Logging setup: spdlog to stderr. Data goes to files or stdout, never through the log.
#pragma once

#include <spdlog/spdlog.h>

namespace sl::logging {

// Level from `verbosity` (0 = info, 1 = debug, 2+ = trace, -1 = warnings only), overridden by
// SL_LOG_LEVEL (trace, debug, info, warn, error, off) when set.
void init(int verbosity = 0);

}  // namespace sl::logging
