#include "sl/openai/client_stats.hpp"

namespace sl::openai {

Json ClientStats::to_json() const {
  Json by_reason = Json::object();
  for (const auto& [reason, n] : retries_by_reason) by_reason[reason] = n;
  return Json{{"requests", requests}, {"attempts", attempts}, {"succeeded", succeeded},
              {"failed", failed},     {"retries", retries},   {"retries_by_reason", by_reason}};
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
  return s;
}

}  // namespace sl::openai
