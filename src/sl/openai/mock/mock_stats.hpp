// Private: the counters behind GET /mock/stats (thread-safe).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "sl/core/json.hpp"

namespace sl::openai::mock {

class MockStats {
 public:
  // One answered request: "POST /v1/chat/completions" -> status ("dropped" for a cut response).
  void record(const std::string& endpoint, const std::string& status);
  // Counts an arrival of a chat request body; returns how many times it arrived before.
  int arrival(std::uint64_t body_hash);
  // A completion was fully written for this body, asked of `model`.
  void served(std::uint64_t body_hash, const std::string& model);
  void fault(const std::string& kind);
  // A chat request arrived from this client port (distinct ports ~ TCP connections, which
  // shows whether clients reuse keep-alive connections).
  void client_port(int port);

  // Handlers in progress (to show that the mock kept up with the client's concurrency).
  void enter();
  void leave();

  Json to_json() const;
  void reset();

 private:
  struct BodyState {
    int arrivals = 0;
    bool served = false;
  };
  mutable std::mutex mutex_;
  std::map<std::string, std::map<std::string, std::int64_t>> requests_;
  std::unordered_map<std::uint64_t, BodyState> bodies_;
  std::map<std::string, std::int64_t> faults_;
  std::unordered_set<int> client_ports_;
  std::int64_t completions_served_ = 0;
  std::map<std::string, std::int64_t> completions_by_model_;
  std::int64_t duplicate_completions_ = 0;
  std::atomic<int> in_progress_{0};
  std::atomic<int> max_in_progress_{0};
};

}  // namespace sl::openai::mock
