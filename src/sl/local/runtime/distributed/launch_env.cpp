#include "sl/local/runtime/distributed/launch_env.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <optional>

#include "sl/core/error.hpp"

namespace sl::local {

namespace {

// The process environment only: these are set per process by a launcher, never in .env.
std::optional<std::string> variable(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return std::nullopt;
  return std::string(v);
}

long integer(const char* name, const std::string& text, long min, long max) {
  errno = 0;
  char* end = nullptr;
  const long v = std::strtol(text.c_str(), &end, 10);
  if (errno || end == text.c_str() || *end || v < min || v > max)
    throw UsageError(std::string(name) + "=\"" + text + "\" is not a whole number from " + std::to_string(min) +
                     " to " + std::to_string(max));
  return v;
}

int required_integer(const char* name, long min, long max) {
  auto v = variable(name);
  if (!v) throw UsageError(std::string(name) + " is not set, but WORLD_SIZE > 1 asks for a distributed run");
  return static_cast<int>(integer(name, *v, min, max));
}

}  // namespace

std::string LaunchEnv::describe() const { return "rank " + std::to_string(rank) + " of " + std::to_string(world_size); }

LaunchEnv launch_env() {
  LaunchEnv env;
  if (auto t = variable("SL_DIST_TIMEOUT")) {
    char* end = nullptr;
    const double s = std::strtod(t->c_str(), &end);
    if (end == t->c_str() || *end || !(s > 0) || !std::isfinite(s) || s > 1e7)
      throw UsageError("SL_DIST_TIMEOUT=\"" + *t + "\" is not a positive number of seconds");
    env.timeout = std::chrono::milliseconds(static_cast<long long>(std::ceil(s * 1000)));
  }
  auto world = variable("WORLD_SIZE");
  if (!world) return env;
  env.world_size = static_cast<int>(integer("WORLD_SIZE", *world, 1, 65536));
  if (env.world_size == 1) return env;
  env.rank = required_integer("RANK", 0, env.world_size - 1);
  env.local_world_size = variable("LOCAL_WORLD_SIZE")
                             ? static_cast<int>(integer("LOCAL_WORLD_SIZE", *variable("LOCAL_WORLD_SIZE"), 1, 65536))
                             : 1;
  env.local_rank =
      variable("LOCAL_RANK") ? static_cast<int>(integer("LOCAL_RANK", *variable("LOCAL_RANK"), 0, 65535)) : 0;
  if (env.local_rank >= env.local_world_size && variable("LOCAL_WORLD_SIZE"))
    throw UsageError("LOCAL_RANK=" + std::to_string(env.local_rank) +
                     " is not below LOCAL_WORLD_SIZE=" + std::to_string(env.local_world_size));
  auto addr = variable("MASTER_ADDR");
  if (!addr) throw UsageError("MASTER_ADDR is not set, but WORLD_SIZE > 1 asks for a distributed run");
  env.master_addr = *addr;
  env.master_port = required_integer("MASTER_PORT", 1, 65535);
  return env;
}

}  // namespace sl::local
