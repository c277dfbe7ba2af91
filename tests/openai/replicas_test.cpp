// One client over several servers (replicas) against real mock processes: requests spread over
// both, answers identical to one server's, and each server paced on its own.
#include <gtest/gtest.h>

#include <map>

#include "mock_server.hpp"
#include "sl/core/error.hpp"
#include "sl/openai/client.hpp"

using namespace sl::openai;
using sl::test::MockServer;

namespace {

ClientConfig config_for(const std::vector<std::string>& urls, int concurrency = 8) {
  ClientConfig c = ClientConfig::for_servers(urls, std::nullopt);
  c.concurrency = concurrency;
  c.connect_timeout_s = 2;
  c.request_timeout_s = 30;
  c.retry.initial_delay_s = 0.02;
  c.retry.max_delay_s = 0.2;
  c.retry.max_retries = 8;
  return c;
}

ChatCompletionRequest request(std::size_t i) {
  ChatCompletionRequest r;
  r.model = "gpt-4.1-nano-2025-04-14";
  r.messages = {{"user", "Name your favourite animal. Answer " + std::to_string(i % 7) + "."}};
  r.temperature = 1.0;
  r.seed = static_cast<std::int64_t>(1000 + i);  // per request, as the backend derives it
  return r;
}

std::map<std::size_t, std::string> run(Client& client, std::size_t n) {
  std::map<std::size_t, std::string> answers;
  client.chat_completions(n, request, [&](std::size_t i, ChatCompletion&& c) {
    EXPECT_TRUE(answers.emplace(i, c.content).second) << "index " << i << " answered twice";
  });
  return answers;
}

}  // namespace

TEST(Replicas, RequestsSpreadOverBothAndAnswersMatchOneServer) {
  MockServer a({"--seed", "7", "--latency-ms", "5"});
  MockServer b({"--seed", "7", "--latency-ms", "5"});
  const std::size_t n = 120;

  Client both(config_for({a.base_url(), b.base_url()}));
  const auto spread = run(both, n);
  ASSERT_EQ(spread.size(), n);
  // Least-outstanding choice with concurrency 8 per server: both are busy from the first round.
  EXPECT_GT(a.completions_served(), 0);
  EXPECT_GT(b.completions_served(), 0);
  EXPECT_EQ(a.completions_served() + b.completions_served(), static_cast<std::int64_t>(n));
  const auto by_server = both.stats().to_json()["attempts_by_server"];
  EXPECT_EQ(by_server[a.base_url()].get<std::int64_t>(), a.completions_served());
  EXPECT_EQ(by_server[b.base_url()].get<std::int64_t>(), b.completions_served());

  // The same requests to one server: the same answers, whichever replica gave them (each answer
  // is a function of the request and its own seed, not of the server or the order).
  Client one(config_for({a.base_url()}));
  EXPECT_EQ(run(one, n), spread);
  EXPECT_FALSE(one.stats().to_json().contains("attempts_by_server"));
}

TEST(Replicas, FaultsOnOneReplicaAreRetriedWithoutLosingOrDuplicatingAnswers) {
  MockServer healthy({"--seed", "7"});
  MockServer flaky({"--seed", "7", "--fail-rate", "0.5", "--rate-limit-rpm", "600"});
  const std::size_t n = 100;
  Client both(config_for({flaky.base_url(), healthy.base_url()}));
  const auto answers = run(both, n);
  ASSERT_EQ(answers.size(), n);
  EXPECT_EQ(healthy.completions_served() + flaky.completions_served(), static_cast<std::int64_t>(n));
  EXPECT_EQ(healthy.stats()["duplicate_completions"], 0);
  EXPECT_GT(both.stats().retries, 0);

  Client one(config_for({healthy.base_url()}));
  EXPECT_EQ(run(one, n), answers);
}

TEST(Replicas, ConfigRejectsABadReplicaUrl) {
  try {
    ClientConfig::for_servers({"http://127.0.0.1:1/v1", "ftp://x"}, std::nullopt);
    FAIL() << "expected a UsageError";
  } catch (const sl::UsageError& e) {
    EXPECT_STREQ(e.what(), "base_url: expected an http:// or https:// URL, got \"ftp://x\"");
  }
}
