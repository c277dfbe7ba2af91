// Settings of the OpenAI-compatible client: where to connect, how much at once, how to retry.
//
// from_env() reads them the way every tool does: OPENAI_BASE_URL and OPENAI_API_KEY from the
// process environment or `.env` (the process environment wins), plus optional SL_OPENAI_*
// overrides for timeouts and retry budgets (see docs/openai-backend.md). for_servers() serves
// models that name their own server (docs/endpoints.md).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace sl::openai {

inline constexpr const char* kDefaultBaseUrl = "https://api.openai.com/v1";

// When and how often a failed request is tried again (see retry_policy.hpp for which failures).
struct RetrySettings {
  // Retries after the first attempt for 408, 409, 429, 5xx, timeouts and dropped connections.
  int max_retries = 6;
  // Retries when the server cannot be reached at all (refused, unresolvable, connect timeout).
  // Kept small so that a wrong OPENAI_BASE_URL fails within seconds, not minutes.
  int max_connect_retries = 3;
  // Exponential backoff: initial_delay_s * 2^(retry-1), capped at max_delay_s, with jitter.
  double initial_delay_s = 0.5;
  double max_delay_s = 30.0;
  // A server-requested wait (Retry-After, retry-after-ms) is honoured up to this long.
  double max_retry_after_s = 120.0;
  // A request that has not succeeded this long after its first attempt fails. This is also the
  // only bound on retries of rate limits (429 with a wait), which are the server pacing us.
  double max_total_s = 1800.0;
};

struct ClientConfig {
  std::string base_url = kDefaultBaseUrl;  // no trailing slash
  // Further servers answering the same models (replicas, e.g. vLLM on several machines): each
  // request goes to the server with the fewest requests in flight, and each server keeps its own
  // connections, concurrency window and rate-limit pauses. A retry may go to another server.
  std::vector<std::string> replica_urls;
  // Sent as "Authorization: Bearer ..."; never logged, never part of an error message.
  std::optional<std::string> api_key;
  // The variable the key came from, for error messages (the key itself is never shown).
  std::string api_key_name = "OPENAI_API_KEY";
  // Requests in flight at once per server (HTTP connections, or HTTP/2 streams where the server
  // offers h2).
  int concurrency = 64;
  double connect_timeout_s = 10.0;
  // Limit for one attempt, from connect to the last byte of the response.
  double request_timeout_s = 600.0;
  RetrySettings retry;
  // Largest response body accepted (a server's answer is untrusted input): a longer one stops the
  // transfer and fails the request without retrying, before it can fill the memory. Default:
  // the JSON document limit (sl/core/json_limits.hpp), which the body must pass anyway.
  std::size_t max_response_bytes = std::size_t{256} << 20;
  // Name of the completion-length field in chat requests: "max_completion_tokens" (OpenAI's
  // current name) or "max_tokens" (older OpenAI-compatible servers).
  std::string max_tokens_field = "max_completion_tokens";

  // OPENAI_BASE_URL, OPENAI_API_KEY and the SL_OPENAI_* overrides. A malformed value is a
  // UsageError naming the variable (never its value when it is the key).
  static ClientConfig from_env();

  // The servers a model file names (`base_urls`: the first, then replicas) with the key held by
  // the variable `api_key_env` (no key when nullopt); SL_OPENAI_* overrides as in from_env().
  static ClientConfig for_servers(const std::vector<std::string>& base_urls,
                                  const std::optional<std::string>& api_key_env);

  // The value of the variable `name` (environment, then .env): a UsageError naming the variable,
  // never showing a value, when it is unset.
  static std::string api_key_from(const std::string& name);

  // base_url, then replica_urls.
  std::vector<std::string> servers() const;

  // Throws UsageError when a setting is out of range or the base URL is not http(s).
  void validate() const;
};

}  // namespace sl::openai
