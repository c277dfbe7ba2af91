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

std::string without_trailing_slashes(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

// The SL_OPENAI_* overrides, shared by every server.
void read_tuning(ClientConfig& c) {
  c.connect_timeout_s = env_seconds("SL_OPENAI_CONNECT_TIMEOUT", c.connect_timeout_s);
  c.request_timeout_s = env_seconds("SL_OPENAI_TIMEOUT", c.request_timeout_s);
  c.retry.max_retries = env_count("SL_OPENAI_MAX_RETRIES", c.retry.max_retries);
  c.retry.max_connect_retries = env_count("SL_OPENAI_CONNECT_RETRIES", c.retry.max_connect_retries);
  c.retry.max_total_s = env_seconds("SL_OPENAI_MAX_RETRY_TIME", c.retry.max_total_s);
  c.max_tokens_field = env::get_or("SL_OPENAI_MAX_TOKENS_FIELD", c.max_tokens_field);
}

}  // namespace

ClientConfig ClientConfig::from_env() {
  ClientConfig c;
  c.base_url = without_trailing_slashes(env::get_or("OPENAI_BASE_URL", kDefaultBaseUrl));
  c.api_key = env::get("OPENAI_API_KEY");
  read_tuning(c);
  c.validate();
  return c;
}

ClientConfig ClientConfig::for_servers(const std::vector<std::string>& base_urls,
                                       const std::optional<std::string>& api_key_env) {
  if (base_urls.empty()) throw UsageError("OpenAI client: no server given");
  ClientConfig c;
  c.base_url = without_trailing_slashes(base_urls.front());
  for (std::size_t i = 1; i < base_urls.size(); ++i) c.replica_urls.push_back(without_trailing_slashes(base_urls[i]));
  if (api_key_env) {
    c.api_key = api_key_from(*api_key_env);
    c.api_key_name = *api_key_env;
  }
  read_tuning(c);
  c.validate();
  return c;
}

std::string ClientConfig::api_key_from(const std::string& name) {
  auto key = env::get(name);
  if (!key) throw UsageError("api_key_env: the variable " + name + " is not set (in the environment or .env)");
  return *key;
}

std::vector<std::string> ClientConfig::servers() const {
  std::vector<std::string> out{base_url};
  out.insert(out.end(), replica_urls.begin(), replica_urls.end());
  return out;
}

void ClientConfig::validate() const {
  if (base_url.rfind("http://", 0) != 0 && base_url.rfind("https://", 0) != 0)
    throw UsageError("OPENAI_BASE_URL: expected an http:// or https:// URL, got \"" + base_url + "\"");
  for (const std::string& url : replica_urls)
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
      throw UsageError("base_url: expected an http:// or https:// URL, got \"" + url + "\"");
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
    throw UsageError(api_key_name + ": contains a line break");
}

}  // namespace sl::openai
