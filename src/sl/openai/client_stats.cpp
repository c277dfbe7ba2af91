#include "sl/openai/client_stats.hpp"

namespace sl::openai {

Json ClientStats::to_json() const {
  Json by_reason = Json::object();
  for (const auto& [reason, n] : retries_by_reason) by_reason[reason] = n;
  Json out{{"requests", requests}, {"attempts", attempts}, {"succeeded", succeeded},
           {"failed", failed},     {"retries", retries},   {"retries_by_reason", by_reason}};
  if (!attempts_by_server.empty()) {  // only with replicas, so one server's summary is as before
    Json by_server = Json::object();
    for (const auto& [url, n] : attempts_by_server) by_server[url] = n;
    out["attempts_by_server"] = std::move(by_server);
  }
  return out;
}

std::string ClientStats::summary() const {
  std::string s = std::to_string(requests) + " requests, " + std::to_string(succeeded) + " ok, " +
                  std::to_string(failed) + " failed, " + std::to_string(retries) + " retries";
  if (!retries_by_reason.empty()) {
    s += " (";
    bool first = true;
    for (const auto& [reason, n] : retries_by_reason) {
      s += (first ? "" : ", ") + reason + ": " + std::to_string(n);
      first = false;
    }
    s += ")";
  }
  if (!attempts_by_server.empty()) {
    s += "; attempts by server:";
    for (const auto& [url, n] : attempts_by_server) s += " " + url + " " + std::to_string(n);
  }
  return s;
}

}  // namespace sl::openai
