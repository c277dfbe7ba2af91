// Counters of what the client did, for the summary a tool prints and for tests.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "sl/core/json.hpp"

namespace sl::openai {

struct ClientStats {
  std::int64_t requests = 0;   // logical requests started (each counts once, however retried)
  std::int64_t attempts = 0;   // HTTP attempts sent (requests + retries)
  std::int64_t succeeded = 0;  // requests that got a 2xx answer
  std::int64_t failed = 0;     // requests that failed for good
  std::int64_t retries = 0;    // attempts beyond the first, summed over requests
  // Retries by reason: "http_429", "http_500", ..., "timeout", "connect_failed", "connection_dropped".
  std::map<std::string, std::int64_t> retries_by_reason;
  // With several servers (replicas): HTTP attempts sent to each base URL. Empty with one server.
  std::map<std::string, std::int64_t> attempts_by_server;

  Json to_json() const;
  // One line for logs: "1000 requests, 1000 ok, 0 failed, 12 retries (http_429: 10, timeout: 2)".
  std::string summary() const;
};

}  // namespace sl::openai
