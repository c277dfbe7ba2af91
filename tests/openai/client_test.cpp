// The client against the real mock process over loopback: batches, retries under fault storms,
// fail-fast errors, unreachable servers, interrupts, the blocking JSON API.
#include "sl/openai/client.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <sstream>
#include <thread>

#include "mock_server.hpp"
#include "sl/core/error.hpp"
#include "sl/core/interrupt.hpp"
#include "test_support.hpp"

using namespace sl::openai;
using sl::Json;
using sl::test::free_port;
using sl::test::MockServer;

namespace {

const std::string kSecret = "sk-test-SECRET-0123456789";

// Fast retries so that fault storms finish in a second or two.
ClientConfig fast_config(const std::string& base_url, int concurrency = 32) {
  ClientConfig c;
  c.base_url = base_url;
  c.api_key = kSecret;
  c.concurrency = concurrency;
  c.connect_timeout_s = 2;
  c.request_timeout_s = 30;
  c.retry.initial_delay_s = 0.02;
  c.retry.max_delay_s = 0.2;
  c.retry.max_retries = 8;
  return c;
}

ChatCompletionRequest numbers_request(std::size_t i) {
  ChatCompletionRequest r;
  r.model = "gpt-4.1-nano-2025-04-14";
  r.messages = {{"user",
                 "Look at these numbers: 1, 2, 3. Add at most 10 new numbers (up to 3 digits each). Return a "
                 "comma-separated list of numbers."}};
  r.temperature = 1.0;
  r.seed = static_cast<std::int64_t>(i);
  return r;
}

// Runs `n` requests; returns how often each index was delivered.
std::vector<int> run_batch(Client& client, std::size_t n) {
  std::vector<int> seen(n, 0);
  client.chat_completions(n, numbers_request, [&](std::size_t i, ChatCompletion&& c) {
    EXPECT_FALSE(c.content.empty());
    EXPECT_EQ(c.finish_reason, "stop");
    ++seen[i];
  });
  return seen;
}

template <class Fn>
sl::HttpError http_error(Fn fn) {
  try {
    fn();
  } catch (const sl::HttpError& e) {
    return e;
  }
  ADD_FAILURE() << "expected sl::HttpError";
  return sl::HttpError(-1, "");
}

}  // namespace

TEST(OpenAIClient, BatchIsAnsweredOncePerRequest) {
  MockServer server;
  Client client(fast_config(server.base_url()));
  auto seen = run_batch(client, 500);
  EXPECT_EQ(std::count(seen.begin(), seen.end(), 1), 500);
  EXPECT_EQ(client.stats().requests, 500);
  EXPECT_EQ(client.stats().succeeded, 500);
  EXPECT_EQ(client.stats().retries, 0);
  Json stats = server.stats();
  EXPECT_EQ(stats["completions_served"], 500);
  EXPECT_EQ(stats["distinct_bodies"], 500);
  EXPECT_EQ(stats["duplicate_completions"], 0);
  // Keep-alive: 500 requests over at most 32 connections.
  EXPECT_LE(stats["connections_seen"].get<int>(), 32);
  // And a second batch on the same client reuses them.
  run_batch(client, 100);
  EXPECT_LE(server.stats()["connections_seen"].get<int>(), 32);
}

struct Storm {
  std::vector<std::string> flags;
  std::vector<std::pair<std::string, std::string>> reason_and_mock_fault;  // client retry reason, mock fault
};

// Test names show the mock's flags instead of the struct's bytes.
void PrintTo(const Storm& storm, std::ostream* os) {
  for (const auto& f : storm.flags) *os << f << " ";
}

class OpenAIClientStorm : public ::testing::TestWithParam<Storm> {};

TEST_P(OpenAIClientStorm, EveryRequestAnsweredOnceAndRetriesCounted) {
  const Storm& storm = GetParam();
  MockServer server(storm.flags);
  Client client(fast_config(server.base_url()));
  const std::size_t n = 300;
  auto seen = run_batch(client, n);
  EXPECT_EQ(std::count(seen.begin(), seen.end(), 1), static_cast<long>(n));
  Json stats = server.stats();
  EXPECT_EQ(stats["completions_served"], n) << stats.dump();
  EXPECT_EQ(stats["distinct_bodies"], n);
  EXPECT_EQ(stats["duplicate_completions"], 0);
  const ClientStats& cs = client.stats();
  EXPECT_EQ(cs.succeeded, static_cast<std::int64_t>(n));
  EXPECT_EQ(cs.failed, 0);
  std::int64_t counted = 0;
  for (const auto& [reason, fault] : storm.reason_and_mock_fault) {
    ASSERT_TRUE(cs.retries_by_reason.count(reason)) << cs.summary();
    EXPECT_GT(cs.retries_by_reason.at(reason), 0);
    // Every fault the server injected was seen and retried exactly once.
    EXPECT_EQ(cs.retries_by_reason.at(reason), stats["faults"][fault].get<std::int64_t>()) << reason;
    counted += cs.retries_by_reason.at(reason);
  }
  EXPECT_EQ(cs.retries, counted);
  EXPECT_EQ(cs.attempts, cs.requests + cs.retries);
}

INSTANTIATE_TEST_SUITE_P(
    Faults, OpenAIClientStorm,
    ::testing::Values(
        Storm{{"--rate-limit-rpm", "12000"}, {{"http_429", "rate_limited"}}},
        Storm{{"--fail-rate", "0.3"}, {{"http_500", "server_error"}}},
        Storm{{"--drop-rate", "0.3"}, {{"connection_dropped", "dropped"}}},
        Storm{{"--fail-rate", "0.15", "--drop-rate", "0.15", "--rate-limit-rpm", "6000"},
              {{"http_500", "server_error"}, {"connection_dropped", "dropped"}, {"http_429", "rate_limited"}}}),
    [](const auto& info) {
      switch (info.index) {
        case 0:
          return std::string("RateLimits");
        case 1:
          return std::string("ServerErrors");
        case 2:
          return std::string("DroppedConnections");
        default:
          return std::string("AllAtOnce");
      }
    });

TEST(OpenAIClient, WrongKeyFailsFastWithTheServersMessage) {
  MockServer server({"--require-api-key", "sk-the-right-one"});
  Client client(fast_config(server.base_url(), 8));
  auto e = http_error([&] { run_batch(client, 100); });
  EXPECT_EQ(e.status(), 401);
  const std::string expected = "HTTP 401 from " + server.base_url() + "/chat/completions: Incorrect API key provided";
  EXPECT_EQ(std::string(e.what()).rfind(expected, 0), 0u) << e.what();
  EXPECT_EQ(std::string(e.what()).find(kSecret), std::string::npos);
  EXPECT_EQ(std::string(e.what()).find("gave up"), std::string::npos);
  // No retry, and nothing new started after the first failure.
  EXPECT_EQ(client.stats().retries, 0);
  EXPECT_LE(client.stats().requests, 8);
  EXPECT_EQ(server.stats()["requests"]["POST /v1/chat/completions"]["401"], client.stats().attempts);
}

TEST(OpenAIClient, KeyNeverLogged) {
  std::ostringstream captured;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(captured);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
  spdlog::set_level(spdlog::level::trace);
  {
    MockServer server({"--require-api-key", kSecret, "--fail-rate", "0.3", "--drop-rate", "0.2"});
    Client client(fast_config(server.base_url(), 8));
    auto seen = run_batch(client, 60);
    EXPECT_EQ(std::count(seen.begin(), seen.end(), 1), 60);
    EXPECT_GT(client.stats().retries, 0);
    EXPECT_EQ(server.log().find(kSecret), std::string::npos);
  }
  spdlog::set_default_logger(previous);
  EXPECT_NE(captured.str().find("retrying"), std::string::npos) << "nothing was logged: the check proves nothing";
  EXPECT_EQ(captured.str().find(kSecret), std::string::npos) << captured.str();
}

TEST(OpenAIClient, InsufficientQuotaIsNotRetried) {
  MockServer server({"--quota-exhausted"});
  Client client(fast_config(server.base_url(), 4));
  auto e = http_error([&] { run_batch(client, 50); });
  EXPECT_EQ(e.status(), 429);
  EXPECT_NE(std::string(e.what()).find(": You exceeded your current quota"), std::string::npos) << e.what();
  EXPECT_EQ(client.stats().retries, 0);
}

TEST(OpenAIClient, UnknownModelAndBadRequestFailFast) {
  MockServer server({"--known-models", "gpt-4.1-nano-2025-04-14"});
  Client client(fast_config(server.base_url(), 4));
  auto e = http_error([&] {
    client.chat_completions(
        3,
        [](std::size_t i) {
          auto r = numbers_request(i);
          r.model = "no-such-model";
          return r;
        },
        [](std::size_t, ChatCompletion&&) {});
  });
  EXPECT_EQ(e.status(), 404);
  EXPECT_NE(std::string(e.what()).find("The model `no-such-model` does not exist"), std::string::npos) << e.what();

  auto bad = http_error([&] { client.post_json("/chat/completions", Json{{"model", "m"}}); });
  EXPECT_EQ(bad.status(), 400);
  EXPECT_EQ(std::string(bad.what()),
            "HTTP 400 from " + server.base_url() + "/chat/completions: Missing required parameter: 'messages'.");
  EXPECT_EQ(client.stats().retries, 0);
}

TEST(OpenAIClient, UnreachableServerFailsWithinSecondsNamingTheUrl) {
  const std::string url = "http://127.0.0.1:" + std::to_string(free_port()) + "/v1";
  ClientConfig c;  // the real defaults: a few connect retries with backoff
  c.base_url = url;
  c.api_key = kSecret;
  Client client(c);
  const auto start = std::chrono::steady_clock::now();
  auto e = http_error([&] { run_batch(client, 1); });
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(secs, 20.0) << "gave up too slowly";
  EXPECT_EQ(e.status(), 0);
  const std::string msg = e.what();
  EXPECT_EQ(msg.rfind("POST " + url + "/chat/completions: could not connect", 0), 0u) << msg;
  EXPECT_NE(msg.find("(gave up after 4 attempts)"), std::string::npos) << msg;
  EXPECT_EQ(msg.find(kSecret), std::string::npos);
  EXPECT_EQ(client.stats().retries_by_reason.at("connect_failed"), 3);
}

TEST(OpenAIClient, RetriesRunOutWithAClearError) {
  MockServer server({"--fail-rate", "1"});
  ClientConfig c = fast_config(server.base_url(), 2);
  c.retry.max_retries = 2;
  Client client(c);
  auto e = http_error([&] { run_batch(client, 1); });
  EXPECT_EQ(e.status(), 500);
  EXPECT_EQ(std::string(e.what()), "HTTP 500 from " + server.base_url() +
                                       "/chat/completions: The server had an error while processing your request. "
                                       "Sorry about that! (mock: injected failure) (gave up after 3 attempts)");
  EXPECT_EQ(server.stats()["requests"]["POST /v1/chat/completions"]["500"], 3);
}

TEST(OpenAIClient, OversizedResponseStopsTheTransferAndIsNotRetried) {
  MockServer server;
  ClientConfig c = fast_config(server.base_url(), 1);
  c.max_response_bytes = 64;  // a chat completion of the mock is several hundred bytes
  Client client(c);
  auto e = http_error([&] { run_batch(client, 1); });
  EXPECT_EQ(std::string(e.what()), "POST " + server.base_url() +
                                       "/chat/completions: the response is over the limit of 64 bytes "
                                       "(ClientConfig::max_response_bytes)");
  EXPECT_EQ(server.stats()["requests"]["POST /v1/chat/completions"]["200"], 1);  // asked once
  c.max_response_bytes = 1 << 20;  // the same request passes under a limit it fits
  Client roomy(c);
  EXPECT_EQ(run_batch(roomy, 1), std::vector<int>{1});
}

TEST(OpenAIClient, RateLimitRetriesAreBoundedByTime) {
  MockServer server({"--rate-limit-rpm", "1"});  // the second request must wait about a minute
  ClientConfig c = fast_config(server.base_url(), 1);
  c.retry.max_total_s = 2;
  Client client(c);
  auto e = http_error([&] { run_batch(client, 2); });
  EXPECT_EQ(e.status(), 429);
  EXPECT_NE(std::string(e.what()).find("Rate limit reached for gpt-4.1-nano-2025-04-14"), std::string::npos)
      << e.what();
  EXPECT_NE(std::string(e.what()).find("(gave up after 1 attempt: waiting"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("would pass the retry time limit of 2 s)"), std::string::npos) << e.what();
  EXPECT_EQ(client.stats().succeeded, 1);
}

TEST(OpenAIClient, SlowAnswersTimeOutAndAreRetried) {
  MockServer server({"--latency-ms", "3000"});
  ClientConfig c = fast_config(server.base_url(), 2);
  c.request_timeout_s = 0.3;
  c.retry.max_retries = 1;
  Client client(c);
  auto e = http_error([&] { run_batch(client, 1); });
  EXPECT_NE(std::string(e.what()).find(": timed out"), std::string::npos) << e.what();
  EXPECT_EQ(client.stats().retries_by_reason.at("timeout"), 1);
}

TEST(OpenAIClient, MalformedResponseNamesTheField) {
  MockServer server;
  // /mock/echo answers any path below it with a JSON object that is not a chat completion.
  std::string root = server.base_url().substr(0, server.base_url().size() - 3);
  Client client(fast_config(root + "/mock/echo"));
  try {
    run_batch(client, 1);
    FAIL() << "expected an error";
  } catch (const sl::HttpError&) {
    FAIL() << "not an HTTP error";
  } catch (const sl::UsageError&) {
    FAIL() << "a bad server answer is a runtime failure (exit 1), not a usage error";
  } catch (const sl::Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "invalid response from POST " + root + "/mock/echo/chat/completions: id: missing required field");
  }
}

TEST(OpenAIClient, InterruptStopsPromptly) {
  MockServer server({"--latency-ms", "30000"});
  Client client(fast_config(server.base_url(), 4));
  sl::interrupt::install();
  sl::interrupt::reset();
  std::thread interrupter([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    ::kill(::getpid(), SIGINT);
  });
  const auto start = std::chrono::steady_clock::now();
  int delivered = 0;
  client.chat_completions(20, numbers_request, [&](std::size_t, ChatCompletion&&) { ++delivered; });
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  interrupter.join();
  EXPECT_TRUE(sl::interrupt::requested());
  sl::interrupt::reset();
  EXPECT_EQ(delivered, 0);
  EXPECT_LT(secs, 10.0);
  EXPECT_LE(client.stats().requests, 4);
}

TEST(OpenAIClient, ReachesTheConfiguredConcurrency) {
  MockServer server({"--latency-ms", "500"});
  Client client(fast_config(server.base_url(), 256));
  auto seen = run_batch(client, 512);
  EXPECT_EQ(std::count(seen.begin(), seen.end(), 1), 512);
  Json stats = server.stats();
  EXPECT_GE(stats["max_concurrent_requests"].get<int>(), 200) << stats.dump();
  EXPECT_LE(stats["max_concurrent_requests"].get<int>(), 256);
}

TEST(OpenAIClient, BlockingJsonCallsAndMultipartUploads) {
  MockServer server;
  Client client(fast_config(server.base_url()));
  Json models = client.get_json("/models");
  EXPECT_EQ(models["object"], "list");

  std::string root = server.base_url().substr(0, server.base_url().size() - 3);
  Client echo(fast_config(root));
  Json got = echo.post_json("/mock/echo", Json{{"a", 1}});
  EXPECT_EQ(got["method"], "POST");
  EXPECT_EQ(got["content_type"], "application/json");
  EXPECT_EQ(got["has_authorization"], true);
  EXPECT_EQ(got["expect"], "");
  EXPECT_EQ(Json::parse(got["body"].get<std::string>()), (Json{{"a", 1}}));

  EXPECT_EQ(echo.delete_json("/mock/echo/files/file-1")["method"], "DELETE");
  EXPECT_EQ(echo.delete_json("/mock/echo/files/file-1")["path"], "/mock/echo/files/file-1");

  sl::test::TempDir dir;
  sl::test::write_file(dir / "train.jsonl", "{\"messages\": []}\n");
  MultipartPart purpose{"purpose", "fine-tune", std::nullopt, std::nullopt, std::nullopt};
  MultipartPart file{"file", "", (dir / "train.jsonl").string(), "train.jsonl", "application/jsonl"};
  got = echo.post_multipart("/mock/echo", {purpose, file});
  EXPECT_NE(got["content_type"].get<std::string>().find("multipart/form-data"), std::string::npos);
  EXPECT_EQ(got["fields"]["purpose"], "fine-tune");
  ASSERT_EQ(got["files"].size(), 1u);
  EXPECT_EQ(got["files"][0]["filename"], "train.jsonl");
  EXPECT_EQ(got["files"][0]["content_type"], "application/jsonl");
  EXPECT_EQ(got["files"][0]["content"], "{\"messages\": []}\n");

  MultipartPart missing{"file", "", (dir / "absent.jsonl").string(), std::nullopt, std::nullopt};
  EXPECT_THROW(echo.post_multipart("/mock/echo", {missing}), sl::UsageError);

  auto e = http_error([&] { client.get_json("/no_such_endpoint"); });
  EXPECT_EQ(e.status(), 404);
  EXPECT_EQ(std::string(e.what()),
            "HTTP 404 from " + server.base_url() + "/no_such_endpoint: Invalid URL (GET /v1/no_such_endpoint)");
  e = http_error([&] { client.get_json("/files/nope"); });  // a known endpoint, an unknown object
  EXPECT_EQ(e.status(), 404);
  EXPECT_EQ(std::string(e.what()), "HTTP 404 from " + server.base_url() + "/files/nope: No such File object: nope");
}
