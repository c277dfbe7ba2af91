#include "sl/openai/retry_policy.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "sl/openai/api_error.hpp"

namespace sl::openai {

namespace {

std::optional<double> parse_non_negative_number(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  while (end && (*end == ' ' || *end == '\t')) ++end;
  if (end == text.c_str() || *end != '\0' || !std::isfinite(v)) return std::nullopt;
  return std::max(0.0, v);
}

}  // namespace

std::optional<double> parse_retry_after(const HttpHeaders& headers, std::chrono::system_clock::time_point now) {
  // OpenAI's SDKs prefer the millisecond header; so do we.
  if (auto it = headers.find("retry-after-ms"); it != headers.end()) {
    if (auto ms = parse_non_negative_number(it->second)) return *ms / 1000.0;
  }
  auto it = headers.find("retry-after");
  if (it == headers.end()) return std::nullopt;
  if (auto s = parse_non_negative_number(it->second)) return *s;
  // An HTTP-date ("Wed, 21 Oct 2015 07:28:00 GMT"): the wait is until then.
  time_t when = curl_getdate(it->second.c_str(), nullptr);
  if (when < 0) return std::nullopt;
  double wait = std::difftime(when, std::chrono::system_clock::to_time_t(now));
  return std::max(0.0, wait);
}

RetryDecision classify_response(const HttpResponse& response, const RetrySettings& settings,
                                std::chrono::system_clock::time_point now) {
  RetryDecision d;
  d.reason = "http_" + std::to_string(response.status);
  const int s = response.status;
  if (s == 429 && is_insufficient_quota(response)) return d;  // out of credit: waiting won't help
  d.retry = s == 408 || s == 409 || s == 429 || (s >= 500 && s <= 599);
  if (!d.retry) return d;
  d.rate_limited = s == 429;
  if (auto wait = parse_retry_after(response.headers, now))
    d.server_delay_s = std::min(*wait, settings.max_retry_after_s);
  return d;
}

RetryDecision classify_failure(TransportFailure failure) {
  RetryDecision d;
  switch (failure) {
    case TransportFailure::connect_failed:
      d.retry = true;
      d.connect_budget = true;
      d.reason = "connect_failed";
      break;
    case TransportFailure::timeout:
      d.retry = true;
      d.reason = "timeout";
      break;
    case TransportFailure::connection_dropped:
      d.retry = true;
      d.reason = "connection_dropped";
      break;
    case TransportFailure::fatal:
      d.reason = "fatal";
      break;
  }
  return d;
}

double backoff_delay_s(int retry, const RetrySettings& settings, std::mt19937_64& rng) {
  double base = settings.initial_delay_s * std::pow(2.0, std::max(0, retry - 1));
  base = std::min(base, settings.max_delay_s);
  std::uniform_real_distribution<double> half(0.0, base / 2.0);
  return base / 2.0 + half(rng);
}

}  // namespace sl::openai
