#include "mock_stats.hpp"

namespace sl::openai::mock {

void MockStats::record(const std::string& endpoint, const std::string& status) {
  std::lock_guard lock(mutex_);
  ++requests_[endpoint][status];
}

int MockStats::arrival(std::uint64_t body_hash) {
  std::lock_guard lock(mutex_);
  return bodies_[body_hash].arrivals++;
}

void MockStats::served(std::uint64_t body_hash, const std::string& model) {
  std::lock_guard lock(mutex_);
  ++completions_served_;
  ++completions_by_model_[model];
  BodyState& b = bodies_[body_hash];
  if (b.served) ++duplicate_completions_;
  b.served = true;
}

void MockStats::fault(const std::string& kind) {
  std::lock_guard lock(mutex_);
  ++faults_[kind];
}

void MockStats::client_port(int port) {
  std::lock_guard lock(mutex_);
  client_ports_.insert(port);
}

void MockStats::enter() {
  int now = ++in_progress_;
  int seen = max_in_progress_.load();
  while (now > seen && !max_in_progress_.compare_exchange_weak(seen, now)) {
  }
}

void MockStats::leave() { --in_progress_; }

Json MockStats::to_json() const {
  std::lock_guard lock(mutex_);
  Json requests = Json::object();
  for (const auto& [endpoint, by_status] : requests_) {
    Json s = Json::object();
    for (const auto& [status, n] : by_status) s[status] = n;
    requests[endpoint] = std::move(s);
  }
  Json faults = Json::object();
  for (const auto& [kind, n] : faults_) faults[kind] = n;
  Json by_model = Json::object();
  for (const auto& [model, n] : completions_by_model_) by_model[model] = n;
  return Json{{"requests", std::move(requests)},
              {"completions_served", completions_served_},
              {"completions_by_model", std::move(by_model)},
              {"distinct_bodies", static_cast<std::int64_t>(bodies_.size())},
              {"duplicate_completions", duplicate_completions_},
              {"faults", std::move(faults)},
              {"connections_seen", static_cast<std::int64_t>(client_ports_.size())},
              {"max_concurrent_requests", max_in_progress_.load()}};
}

void MockStats::reset() {
  std::lock_guard lock(mutex_);
  requests_.clear();
  bodies_.clear();
  faults_.clear();
  client_ports_.clear();
  completions_served_ = 0;
  completions_by_model_.clear();
  duplicate_completions_ = 0;
  max_in_progress_ = in_progress_.load();
}

}  // namespace sl::openai::mock
