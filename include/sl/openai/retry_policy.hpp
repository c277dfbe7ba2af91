// Which failed attempts are tried again, and how long to wait first.
//
//   retried:   408, 409, 429 (rate limit), 5xx, timeouts, dropped connections, unreachable server
//   not:       400, 401, 403, 404, 422 and other 4xx; 429 with code/type "insufficient_quota";
//              malformed URLs, TLS certificate failures
//
// Waits: the server's Retry-After / retry-after-ms when given, else exponential backoff with
// jitter. The decision logic is pure (no I/O) so that it can be tested on its own.
#pragma once

#include <chrono>
#include <optional>
#include <random>
#include <string>

#include "sl/openai/client_config.hpp"
#include "sl/openai/http.hpp"

namespace sl::openai {

// Why an attempt got no HTTP response, independent of libcurl's error codes.
enum class TransportFailure {
  connect_failed,      // refused, unresolvable host, connect timeout: the server is not there
  timeout,             // connected, but the answer did not arrive in time
  connection_dropped,  // connection closed or reset mid-request / mid-response
  fatal,               // retrying cannot help (malformed URL, TLS certificate rejected, ...)
};

struct RetryDecision {
  bool retry = false;
  // Stats key and log word: "http_429", "timeout", "connect_failed", ...
  std::string reason;
  // Counts against RetrySettings::max_connect_retries instead of max_retries.
  bool connect_budget = false;
  // The server asked to slow down: the client pauses all new attempts for the wait.
  bool rate_limited = false;
  // The wait the server asked for, in seconds (already capped by max_retry_after_s).
  std::optional<double> server_delay_s;
};

// Decision for an attempt that got an HTTP response with a non-2xx status.
RetryDecision classify_response(const HttpResponse& response, const RetrySettings& settings,
                                std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// Decision for an attempt that got no HTTP response.
RetryDecision classify_failure(TransportFailure failure);

// Seconds requested by `retry-after-ms` (preferred) or `Retry-After` (seconds, or an HTTP-date
// relative to `now`); nullopt when absent or unparseable. Never negative.
std::optional<double> parse_retry_after(const HttpHeaders& headers, std::chrono::system_clock::time_point now);

// Backoff before retry number `retry` (1-based): initial * 2^(retry-1), capped at max_delay_s,
// then "equal jitter": half fixed, half uniformly random, so that concurrent clients spread out.
double backoff_delay_s(int retry, const RetrySettings& settings, std::mt19937_64& rng);

}  // namespace sl::openai
