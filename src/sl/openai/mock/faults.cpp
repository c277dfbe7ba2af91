#include "faults.hpp"

#include <algorithm>
#include <cmath>

#include "sl/openai/mock/mock_random.hpp"

namespace sl::openai::mock {

Fault decide_fault(const MockOptions& options, std::uint64_t body_hash, int earlier_arrivals) {
  Random rng(mix64(options.seed ^ mix64(body_hash + static_cast<std::uint64_t>(earlier_arrivals) + 0xFA17ULL)));
  if (rng.chance(options.fail_rate)) return Fault::fail;
  if (rng.chance(options.drop_rate)) return Fault::drop;
  return Fault::none;
}

RateLimiter::RateLimiter(double rpm)
    : rate_per_s_(rpm / 60.0),
      capacity_(std::max(1.0, rpm / 60.0)),
      tokens_(capacity_),
      last_(std::chrono::steady_clock::now()) {}

long RateLimiter::acquire() {
  std::lock_guard lock(mutex_);
  auto now = std::chrono::steady_clock::now();
  tokens_ = std::min(capacity_, tokens_ + std::chrono::duration<double>(now - last_).count() * rate_per_s_);
  last_ = now;
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return 0;
  }
  return std::max(1L, static_cast<long>(std::ceil((1.0 - tokens_) / rate_per_s_ * 1000.0)));
}

}  // namespace sl::openai::mock
