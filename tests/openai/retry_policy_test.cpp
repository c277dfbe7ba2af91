#include "sl/openai/retry_policy.hpp"

#include <gtest/gtest.h>

#include <chrono>

using namespace sl::openai;

namespace {

HttpResponse response(int status, std::string body = "", HttpHeaders headers = {}) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

const RetrySettings kSettings{};

}  // namespace

TEST(RetryPolicy, RetriesTransientStatuses) {
  for (int status : {408, 409, 429, 500, 502, 503, 504, 529}) {
    RetryDecision d = classify_response(response(status), kSettings);
    EXPECT_TRUE(d.retry) << status;
    EXPECT_EQ(d.reason, "http_" + std::to_string(status));
  }
  EXPECT_TRUE(classify_response(response(429), kSettings).rate_limited);
  EXPECT_FALSE(classify_response(response(503), kSettings).rate_limited);
}

TEST(RetryPolicy, FailsFastOnClientErrors) {
  for (int status : {400, 401, 403, 404, 422})
    EXPECT_FALSE(classify_response(response(status), kSettings).retry) << status;
}

TEST(RetryPolicy, InsufficientQuotaIsNotRetried) {
  const std::string by_code =
      R"({"error":{"message":"You exceeded your current quota","type":"x","param":null,"code":"insufficient_quota"}})";
  const std::string by_type = R"({"error":{"message":"quota","type":"insufficient_quota","param":null,"code":null}})";
  const std::string rate =
      R"({"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}})";
  EXPECT_FALSE(classify_response(response(429, by_code), kSettings).retry);
  EXPECT_FALSE(classify_response(response(429, by_type), kSettings).retry);
  EXPECT_TRUE(classify_response(response(429, rate), kSettings).retry);
}

TEST(RetryPolicy, HonoursRetryAfterHeaders) {
  const auto now = std::chrono::system_clock::now();
  EXPECT_DOUBLE_EQ(*parse_retry_after({{"retry-after-ms", "250"}}, now), 0.25);
  EXPECT_DOUBLE_EQ(*parse_retry_after({{"retry-after", "3"}}, now), 3.0);
  // retry-after-ms wins over retry-after, as in OpenAI's SDKs.
  EXPECT_DOUBLE_EQ(*parse_retry_after({{"retry-after", "3"}, {"retry-after-ms", "20"}}, now), 0.02);
  EXPECT_FALSE(parse_retry_after({}, now));
  EXPECT_FALSE(parse_retry_after({{"retry-after", "soon"}}, now));
  EXPECT_DOUBLE_EQ(*parse_retry_after({{"retry-after", "-5"}}, now), 0.0);
}

TEST(RetryPolicy, RetryAfterAsHttpDate) {
  // Sun, 06 Nov 1994 08:49:37 GMT = 784111777
  const auto now = std::chrono::system_clock::from_time_t(784111777 - 10);
  auto wait = parse_retry_after({{"retry-after", "Sun, 06 Nov 1994 08:49:37 GMT"}}, now);
  ASSERT_TRUE(wait);
  EXPECT_DOUBLE_EQ(*wait, 10.0);
  // A date in the past means "now".
  EXPECT_DOUBLE_EQ(*parse_retry_after({{"retry-after", "Sun, 06 Nov 1994 08:49:37 GMT"}},
                                      std::chrono::system_clock::from_time_t(784111777 + 60)),
                   0.0);
}

TEST(RetryPolicy, ServerDelayIsCapped) {
  RetrySettings s;
  s.max_retry_after_s = 5;
  RetryDecision d = classify_response(response(429, "", {{"retry-after", "3600"}}), s);
  ASSERT_TRUE(d.server_delay_s);
  EXPECT_DOUBLE_EQ(*d.server_delay_s, 5.0);
}

TEST(RetryPolicy, TransportFailures) {
  EXPECT_TRUE(classify_failure(TransportFailure::connect_failed).retry);
  EXPECT_TRUE(classify_failure(TransportFailure::connect_failed).connect_budget);
  EXPECT_TRUE(classify_failure(TransportFailure::timeout).retry);
  EXPECT_FALSE(classify_failure(TransportFailure::timeout).connect_budget);
  EXPECT_EQ(classify_failure(TransportFailure::connection_dropped).reason, "connection_dropped");
  EXPECT_FALSE(classify_failure(TransportFailure::fatal).retry);
}

TEST(RetryPolicy, BackoffGrowsWithJitterAndCap) {
  RetrySettings s;
  s.initial_delay_s = 1.0;
  s.max_delay_s = 8.0;
  std::mt19937_64 rng(1);
  for (int retry = 1; retry <= 8; ++retry) {
    const double base = std::min(8.0, std::pow(2.0, retry - 1));
    for (int i = 0; i < 50; ++i) {
      double d = backoff_delay_s(retry, s, rng);
      EXPECT_GE(d, base / 2) << retry;
      EXPECT_LE(d, base) << retry;
    }
  }
}
