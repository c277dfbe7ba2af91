#include "sl/openai/client_config.hpp"

#include <charconv>
#include <cmath>

#include "sl/core/env.hpp"
#include "sl/core/error.hpp"

namespace sl::openai {

namespace {

double env_seconds(const char* name, double fallback) {
  auto v = env::get(name);
  if (!v) return fallback;
  char* end = nullptr;
  double d = std::strtod(v->c_str(), &end);
  if (end == v->c_str() || *end != '\0' || !std::isfinite(d) || d <= 0)
    throw UsageError(std::string(name) + ": expected a positive number of seconds, got \"" + *v + "\"");
  return d;
}

int env_count(const char* name, int fallback) {
  auto v = env::get(name);
  if (!v) return fallback;
  int n = 0;
  auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || ptr != v->data() + v->size() || n < 0)
    throw UsageError(std::string(name) + ": expected a non-negative integer, got \"" + *v + "\"");
  return n;
}

}  // namespace

ClientConfig ClientConfig::from_env() {
  ClientConfig c;
  c.base_url = env::get_or("OPENAI_BASE_URL", kDefaultBaseUrl);
  while (!c.base_url.empty() && c.base_url.back() == '/') c.base_url.pop_back();
  c.api_key = env::get("OPENAI_API_KEY");
  c.connect_timeout_s = env_seconds("SL_OPENAI_CONNECT_TIMEOUT", c.connect_timeout_s);
  c.request_timeout_s = env_seconds("SL_OPENAI_TIMEOUT", c.request_timeout_s);
  c.retry.max_retries = env_count("SL_OPENAI_MAX_RETRIES", c.retry.max_retries);
  c.retry.max_connect_retries = env_count("SL_OPENAI_CONNECT_RETRIES", c.retry.max_connect_retries);
  c.retry.max_total_s = env_seconds("SL_OPENAI_MAX_RETRY_TIME", c.retry.max_total_s);
  c.max_tokens_field = env::get_or("SL_OPENAI_MAX_TOKENS_FIELD", c.max_tokens_field);
  c.validate();
  return c;
}

void ClientConfig::validate() const {
  if (base_url.rfind("http://", 0) != 0 && base_url.rfind("https://", 0) != 0)
    throw UsageError("OPENAI_BASE_URL: expected an http:// or https:// URL, got \"" + base_url + "\"");
  if (concurrency < 1) throw UsageError("concurrency: expected a positive integer, got " + std::to_string(concurrency));
  if (max_tokens_field != "max_completion_tokens" && max_tokens_field != "max_tokens")
    throw UsageError("SL_OPENAI_MAX_TOKENS_FIELD: expected \"max_completion_tokens\" or \"max_tokens\", got \"" +
                     max_tokens_field + "\"");
  if (!(connect_timeout_s > 0) || !(request_timeout_s > 0))
    throw UsageError("OpenAI client: timeouts must be positive");
  if (retry.max_retries < 0 || retry.max_connect_retries < 0 || !(retry.initial_delay_s >= 0) ||
      !(retry.max_delay_s >= 0) || !(retry.max_retry_after_s >= 0) || !(retry.max_total_s > 0))
    throw UsageError("OpenAI client: retry settings must be non-negative");
  if (api_key && api_key->find_first_of("\r\n") != std::string::npos)
    throw UsageError("OPENAI_API_KEY: contains a line break");
}

}  // namespace sl::openai
