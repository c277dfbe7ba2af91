// Private: what every route of the mock shares. Routes for further endpoints (files,
// fine-tuning jobs) get their own files and their own add_*_routes() in routes.hpp.
#pragma once

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include "faults.hpp"
#include "fine_tuning_store.hpp"
#include "mock_stats.hpp"
#include "sl/core/json.hpp"
#include "sl/openai/mock/mock_options.hpp"

namespace sl::openai::mock {

struct MockContext {
  explicit MockContext(MockOptions o)
      : options(std::move(o)), rate_limiter(options.rate_limit_rpm > 0 ? options.rate_limit_rpm : 1.0) {}

  MockOptions options;
  MockStats stats;
  RateLimiter rate_limiter;
  FineTuningStore fine_tuning{options};  // uploaded files, fine-tuning jobs, fine-tuned models

  // Waits like the configured latency, but wakes at once when the server stops (so that a
  // test's mock with a 30 s latency still exits promptly).
  void sleep_for(std::chrono::duration<double, std::milli> duration);
  void wake_sleepers();

 private:
  std::mutex sleep_mutex_;
  std::condition_variable sleep_cv_;
  bool stopping_ = false;
};

// What GET /mock/stats returns: the request counters plus {"fine_tuning": {...}}.
Json stats_json(MockContext& ctx);
void reset_stats(MockContext& ctx);

// Writes a JSON answer and counts it under `endpoint` ("POST /v1/chat/completions").
void reply_json(MockContext& ctx, const std::string& endpoint, httplib::Response& res, int status, const Json& body);

// 401 (and true) unless the request carries the required bearer token (when one is required).
bool reject_unauthorized(MockContext& ctx, const std::string& endpoint, const httplib::Request& req,
                         httplib::Response& res);

}  // namespace sl::openai::mock
