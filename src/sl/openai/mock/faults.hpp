// Private: which fault, if any, a chat request gets.
//
// Failures and drops are drawn from (seed, request body, how many times that body arrived
// before), never from arrival order across requests: a retry is a fresh draw and can succeed,
// and the same run against the same mock sees the same faults per request.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>

#include "sl/openai/mock/mock_options.hpp"

namespace sl::openai::mock {

enum class Fault { none, fail, drop };

Fault decide_fault(const MockOptions& options, std::uint64_t body_hash, int earlier_arrivals);

// A token bucket refilled at rpm/60 per second, holding at most one second's worth.
class RateLimiter {
 public:
  explicit RateLimiter(double rpm);
  // 0 when the request may proceed, else the milliseconds until it could.
  long acquire();

 private:
  std::mutex mutex_;
  double rate_per_s_;
  double capacity_;
  double tokens_;
  std::chrono::steady_clock::time_point last_;
};

}  // namespace sl::openai::mock
