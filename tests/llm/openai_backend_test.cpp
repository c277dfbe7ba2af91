// sl::llm::Backend for "openai" models, built by the factory from the environment, against the
// mock process: the SampleCfg mapping, stop reasons, logprobs, seeds, stats.
#include <gtest/gtest.h>
#include <stdlib.h>

#include "mock_server.hpp"
#include "sl/core/env.hpp"
#include "sl/core/error.hpp"
#include "sl/llm/backend.hpp"

using namespace sl::llm;
using sl::Json;

namespace {

class BackendEnv {
 public:
  explicit BackendEnv(const std::string& base_url) {
    ::setenv("OPENAI_BASE_URL", base_url.c_str(), 1);
    ::setenv("OPENAI_API_KEY", "sk-backend-test", 1);
    ::setenv("SL_OPENAI_MAX_RETRIES", "8", 1);
    sl::env::reset_for_tests();
  }
  ~BackendEnv() {
    for (const char* v : {"OPENAI_BASE_URL", "OPENAI_API_KEY", "SL_OPENAI_MAX_RETRIES"}) ::unsetenv(v);
    sl::env::reset_for_tests();
  }
};

Model openai_model() { return Model{"gpt-4.1-nano-2025-04-14", "openai", nullptr}; }

SampleRequest request(const std::string& user, std::int64_t seed, SampleCfg cfg = {}) {
  return SampleRequest{build_simple_chat(user), cfg, seed};
}

std::vector<LLMResponse> sample_all(Backend& backend, const std::vector<SampleRequest>& requests) {
  std::vector<LLMResponse> out(requests.size());
  std::vector<int> seen(requests.size(), 0);
  backend.sample(requests, [&](std::size_t i, LLMResponse r) {
    out[i] = std::move(r);
    ++seen[i];
  });
  for (int s : seen) EXPECT_EQ(s, 1);
  return out;
}

}  // namespace

TEST(OpenAIBackend, SamplesThroughTheMock) {
  sl::test::MockServer server({"--fail-rate", "0.1"});
  BackendEnv env(server.base_url());
  auto backend = make_backend(openai_model(), BackendOptions{16});
  EXPECT_NE(backend->describe().find(server.base_url()), std::string::npos);

  SampleCfg short_cfg;
  short_cfg.max_tokens = 2;
  std::vector<SampleRequest> requests;
  for (int i = 0; i < 40; ++i) requests.push_back(request("Name your favorite animal using only one word.", i));
  requests.push_back(
      request("Look at these numbers: 1, 2. Add at most 10 new numbers (up to 3 digits each).", 1, short_cfg));
  auto responses = sample_all(*backend, requests);

  for (int i = 0; i < 40; ++i) {
    EXPECT_EQ(responses[i].model_id, "gpt-4.1-nano-2025-04-14");
    EXPECT_EQ(responses[i].stop_reason, StopReason::stop_sequence);
    EXPECT_FALSE(responses[i].completion.empty());
    EXPECT_FALSE(responses[i].logprobs);
  }
  EXPECT_EQ(responses[40].stop_reason, StopReason::max_tokens);

  Json stats = backend->stats();
  EXPECT_EQ(stats["requests"], 41);
  EXPECT_EQ(stats["succeeded"], 41);
  EXPECT_GT(stats["retries_by_reason"]["http_500"].get<int>(), 0);
  EXPECT_EQ(server.stats()["duplicate_completions"], 0);

  // Same request seed, same answer (also from a fresh backend); another seed, usually another.
  auto again = make_backend(openai_model(), BackendOptions{4});
  auto second = sample_all(*again, {requests[0], requests[1]});
  EXPECT_EQ(second[0].completion, responses[0].completion);
  EXPECT_EQ(second[1].completion, responses[1].completion);
}

TEST(OpenAIBackend, LogprobsAreTopKMostLikelyFirst) {
  sl::test::MockServer server;
  BackendEnv env(server.base_url());
  auto backend = make_backend(openai_model());
  SampleCfg cfg;
  cfg.logprobs = 5;
  auto responses = sample_all(*backend, {request("Name your favorite animal using only one word.", 3, cfg)});
  ASSERT_TRUE(responses[0].logprobs);
  ASSERT_FALSE(responses[0].logprobs->empty());
  std::string joined;
  for (const TokenLogprobs& top : *responses[0].logprobs) {
    ASSERT_EQ(top.size(), 5u);
    for (std::size_t k = 1; k < top.size(); ++k) EXPECT_GE(top[k - 1].second, top[k].second);
    joined += top[0].first;
  }
  EXPECT_EQ(joined, responses[0].completion);
}

TEST(OpenAIBackend, WrongKeyIsAnErrorWithoutTheKey) {
  sl::test::MockServer server({"--require-api-key", "sk-other"});
  BackendEnv env(server.base_url());
  auto backend = make_backend(openai_model());
  try {
    sample_all(*backend, {request("hi", 1)});
    FAIL();
  } catch (const sl::HttpError& e) {
    EXPECT_EQ(e.status(), 401);
    EXPECT_EQ(std::string(e.what()).find("sk-backend-test"), std::string::npos);
  }
}

TEST(OpenAIBackend, TheProcessKeyGoesOnlyToTheProcessServer) {
  // The mock accepts the process-wide key; a model naming this server itself, without
  // api_key_env, must not send it (401), and with api_key_env sends the named variable's value.
  sl::test::MockServer server({"--require-api-key", "sk-backend-test"});
  BackendEnv env("http://127.0.0.1:9/v1");
  Model own = openai_model();
  own.base_urls = {server.base_url()};
  auto keyless = make_backend(own);
  try {
    sample_all(*keyless, {request("hi", 1)});
    FAIL() << "the process-wide key was sent to a model's own server";
  } catch (const sl::HttpError& e) {
    EXPECT_EQ(e.status(), 401);
  }
  ::setenv("MY_SERVER_KEY", "sk-backend-test", 1);
  own.api_key_env = "MY_SERVER_KEY";
  auto keyed = make_backend(own);
  EXPECT_FALSE(sample_all(*keyed, {request("hi", 1)})[0].completion.empty());
  EXPECT_NE(keyed->describe().find(server.base_url()), std::string::npos);
  ::unsetenv("MY_SERVER_KEY");
}

TEST(OpenAIBackend, AnOpenModelWithAKeyButNoServerIsAUsageError) {
  Model m{"models/student", "open_source",
          std::make_shared<Model>(Model{"Qwen/Qwen2.5-0.5B-Instruct", "open_source", nullptr})};
  m.api_key_env = "SOME_KEY";
  try {
    make_backend(m);
    FAIL();
  } catch (const sl::UsageError& e) {
    EXPECT_STREQ(e.what(),
                 "model models/student: api_key_env without base_url; an open_source model needs a base_url to be "
                 "served over HTTP");
  }
}
