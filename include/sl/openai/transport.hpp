// The HTTP engine: one libcurl multi handle, one event loop on the calling thread, at most
// `concurrency` requests in flight per server, keep-alive connections reused across requests and
// calls. Every request, batch or single, goes through the same retry policy (retry_policy.hpp).
// With replicas (ClientConfig::replica_urls) each attempt goes to the server with the fewest
// requests in flight among those not paused by a rate limit; each server keeps its own window.
//
// Not thread-safe: use one Transport from one thread at a time.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>

#include "sl/openai/client_config.hpp"
#include "sl/openai/client_stats.hpp"
#include "sl/openai/http.hpp"

namespace sl::openai {

class Transport {
 public:
  explicit Transport(ClientConfig config);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Builds request `index` when a slot frees up (requests are started in index order).
  using MakeRequest = std::function<HttpRequest(std::size_t index)>;
  // Receives each 2xx response, on the calling thread, in completion order.
  using OnResponse = std::function<void(std::size_t index, HttpResponse&& response)>;

  // Sends requests 0..count-1. Returns when all have succeeded, or early and without error once
  // sl::interrupt::requested() (requests in flight are abandoned). When a request fails for
  // good (no retry, or retries used up) no new request starts, the ones in flight finish (their
  // answers are still delivered) and then sl::HttpError is thrown. An exception thrown by
  // `on_response` stops everything at once and propagates.
  void run(std::size_t count, const MakeRequest& make, const OnResponse& on_response);

  // One request, same retries. Throws sl::HttpError on failure, sl::Error when interrupted.
  HttpResponse send(const HttpRequest& request);

  // base_url + path, as used in requests and error messages.
  std::string url_for(const std::string& path) const;

  const ClientConfig& config() const;
  const ClientStats& stats() const;

  struct Impl;  // defined and used only in transport.cpp

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace sl::openai
