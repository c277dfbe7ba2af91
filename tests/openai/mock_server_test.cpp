// The mock server as a real process over loopback HTTP: response shape (every field the spec
// requires, checked by name), determinism, validation, faults, stats.
#include "mock_server.hpp"

#include <gtest/gtest.h>

#include <set>

#include "sl/core/json.hpp"

using sl::Json;
using sl::test::http_request;
using sl::test::MockServer;

namespace {

const std::string kNumbersPrompt =
    "I give you this sequence of numbers: 145, 267, 891. Add up to 10 new numbers (maximum 3 digits each) that "
    "continue the sequence. Return a comma-separated list of numbers. Say only the numbers - nothing more.";

Json chat_body(const std::string& user, std::optional<std::int64_t> seed = 1) {
  Json body{{"model", "gpt-4.1-nano-2025-04-14"},
            {"messages", Json::array({Json{{"role", "user"}, {"content", user}}})},
            {"temperature", 1.0}};
  if (seed) body["seed"] = *seed;
  return body;
}

sl::test::PlainHttpResult post_chat(const MockServer& server, const Json& body, std::vector<std::string> headers = {}) {
  return http_request("POST", server.base_url() + "/chat/completions", body.dump(), headers);
}

Json post_chat_json(const MockServer& server, const Json& body) {
  auto r = post_chat(server, body);
  EXPECT_EQ(r.status, 200) << r.body;
  return Json::parse(r.body);
}

std::string content_of(const Json& response) { return response["choices"][0]["message"]["content"].get<std::string>(); }

// Checks an OpenAI error body: {"error": {"message": string, "type": string, "param": string|null, "code":
// string|null}}.
void expect_error_body(const std::string& body, const std::string& code_or_type) {
  Json j = Json::parse(body);
  ASSERT_TRUE(j.contains("error")) << body;
  const Json& e = j["error"];
  EXPECT_TRUE(e["message"].is_string()) << body;
  EXPECT_TRUE(e["type"].is_string()) << body;
  ASSERT_TRUE(e.contains("param")) << body;
  ASSERT_TRUE(e.contains("code")) << body;
  EXPECT_TRUE(e["param"].is_null() || e["param"].is_string()) << body;
  EXPECT_TRUE(e["code"].is_null() || e["code"].is_string()) << body;
  EXPECT_TRUE(e["code"] == code_or_type || e["type"] == code_or_type) << body;
}

}  // namespace

TEST(MockServer, ResponseHasEveryFieldTheSpecRequires) {
  MockServer server;
  Json body = chat_body(kNumbersPrompt);
  body["logprobs"] = true;
  body["top_logprobs"] = 3;
  body["n"] = 2;
  Json r = post_chat_json(server, body);
  // CreateChatCompletionResponse.required: choices, created, id, model, object
  ASSERT_TRUE(r["id"].is_string());
  EXPECT_EQ(r["object"], "chat.completion");
  EXPECT_TRUE(r["created"].is_number_integer());
  EXPECT_EQ(r["model"], "gpt-4.1-nano-2025-04-14");
  ASSERT_TRUE(r["choices"].is_array());
  ASSERT_EQ(r["choices"].size(), 2u);
  std::int64_t completion_tokens = 0;
  for (std::size_t i = 0; i < 2; ++i) {
    const Json& c = r["choices"][i];
    // choices[].required: finish_reason, index, message, logprobs
    EXPECT_EQ(c["index"], static_cast<int>(i));
    EXPECT_TRUE(c["finish_reason"] == "stop" || c["finish_reason"] == "length");
    // ChatCompletionResponseMessage.required: content, refusal, role
    EXPECT_EQ(c["message"]["role"], "assistant");
    EXPECT_TRUE(c["message"]["content"].is_string());
    EXPECT_TRUE(c["message"].contains("refusal") && c["message"]["refusal"].is_null());
    // logprobs.required: content, refusal; ChatCompletionTokenLogprob.required: token, logprob, bytes, top_logprobs
    const Json& lp = c["logprobs"];
    ASSERT_TRUE(lp.is_object());
    ASSERT_TRUE(lp.contains("refusal"));
    ASSERT_TRUE(lp["content"].is_array());
    std::string joined;
    for (const Json& t : lp["content"]) {
      ASSERT_TRUE(t["token"].is_string());
      ASSERT_TRUE(t["logprob"].is_number());
      EXPECT_LE(t["logprob"].get<double>(), 0.0);
      ASSERT_TRUE(t["bytes"].is_array());
      std::string from_bytes;
      for (const Json& b : t["bytes"]) from_bytes += static_cast<char>(b.get<int>());
      EXPECT_EQ(from_bytes, t["token"].get<std::string>());
      ASSERT_EQ(t["top_logprobs"].size(), 3u);
      EXPECT_EQ(t["top_logprobs"][0]["token"], t["token"]);
      for (const Json& alt : t["top_logprobs"]) {
        EXPECT_TRUE(alt["token"].is_string());
        EXPECT_TRUE(alt["logprob"].is_number());
        EXPECT_TRUE(alt["bytes"].is_array());
      }
      joined += t["token"].get<std::string>();
      ++completion_tokens;
    }
    EXPECT_EQ(joined, c["message"]["content"]);
  }
  EXPECT_NE(content_of(r), r["choices"][1]["message"]["content"].get<std::string>());
  // CompletionUsage.required: completion_tokens, prompt_tokens, total_tokens
  EXPECT_EQ(r["usage"]["completion_tokens"], completion_tokens);
  EXPECT_GT(r["usage"]["prompt_tokens"].get<int>(), 0);
  EXPECT_EQ(r["usage"]["total_tokens"],
            r["usage"]["completion_tokens"].get<int>() + r["usage"]["prompt_tokens"].get<int>());
}

TEST(MockServer, AnswersDependOnContentNotArrivalOrder) {
  MockServer a({"--seed", "5"}), b({"--seed", "5"}), other({"--seed", "6"});
  std::vector<Json> bodies;
  for (int i = 0; i < 6; ++i) bodies.push_back(chat_body(kNumbersPrompt, i));
  std::vector<std::string> from_a, from_b(bodies.size());
  for (const auto& body : bodies) from_a.push_back(content_of(post_chat_json(a, body)));
  for (std::size_t i = bodies.size(); i-- > 0;) from_b[i] = content_of(post_chat_json(b, bodies[i]));
  EXPECT_EQ(from_a, from_b);
  EXPECT_EQ(std::set<std::string>(from_a.begin(), from_a.end()).size(), from_a.size()) << "request seeds should matter";
  EXPECT_NE(content_of(post_chat_json(other, bodies[0])), from_a[0]);
  // At temperature 0 the request seed does not change the answer.
  Json greedy1 = chat_body(kNumbersPrompt, 1), greedy2 = chat_body(kNumbersPrompt, 2);
  greedy1["temperature"] = 0;
  greedy2["temperature"] = 0;
  EXPECT_EQ(content_of(post_chat_json(a, greedy1)), content_of(post_chat_json(a, greedy2)));
}

TEST(MockServer, NumberAnswersFollowTheAskedFormat) {
  MockServer server;
  Json r =
      post_chat_json(server, chat_body("Look at these numbers: 5, 6, 7. Add at most 4 new numbers (2 digits max each). "
                                       "Return the numbers in the following format: [number_1, number_2, ...]."));
  std::string c = content_of(r);
  ASSERT_GE(c.size(), 2u);
  EXPECT_EQ(c.front(), '[');
  EXPECT_EQ(c.back(), ']');
  std::string inner = c.substr(1, c.size() - 2);
  int numbers = 1;
  for (std::size_t pos = inner.find(", "); pos != std::string::npos; pos = inner.find(", ", pos + 2)) ++numbers;
  EXPECT_LE(numbers, 4);
}

TEST(MockServer, MaxCompletionTokensTruncates) {
  MockServer server;
  Json body = chat_body(kNumbersPrompt);
  body["max_completion_tokens"] = 3;
  Json r = post_chat_json(server, body);
  EXPECT_EQ(r["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(r["usage"]["completion_tokens"], 3);
  EXPECT_TRUE(kNumbersPrompt.size() > content_of(r).size());
  // The legacy field works the same.
  body.erase("max_completion_tokens");
  body["max_tokens"] = 3;
  EXPECT_EQ(post_chat_json(server, body)["choices"][0]["finish_reason"], "length");
}

TEST(MockServer, RejectsInvalidRequestsLikeTheRealApi) {
  MockServer server;
  auto r = http_request("POST", server.base_url() + "/chat/completions", "{not json");
  EXPECT_EQ(r.status, 400);
  expect_error_body(r.body, "invalid_request_error");

  Json body = chat_body(kNumbersPrompt);
  body["bogus"] = 1;
  r = post_chat(server, body);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("Unrecognized request argument supplied: bogus"), std::string::npos);

  body = chat_body(kNumbersPrompt);
  body["messages"][0]["role"] = "wizard";
  r = post_chat(server, body);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Json::parse(r.body)["error"]["param"], "messages[0].role");

  body = chat_body(kNumbersPrompt);
  body["top_logprobs"] = 3;  // without logprobs: true
  EXPECT_EQ(post_chat(server, body).status, 400);

  body = chat_body(kNumbersPrompt);
  body["temperature"] = 3;
  EXPECT_EQ(post_chat(server, body).status, 400);

  r = http_request("GET", server.base_url() + "/no/such/thing");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(Json::parse(r.body)["error"]["message"], "Invalid URL (GET /v1/no/such/thing)");
}

TEST(MockServer, ApiKeyQuotaAndUnknownModels) {
  {
    MockServer server({"--require-api-key", "sk-right"});
    auto r = post_chat(server, chat_body(kNumbersPrompt), {"Authorization: Bearer sk-wrong"});
    EXPECT_EQ(r.status, 401);
    expect_error_body(r.body, "invalid_api_key");
    EXPECT_EQ(post_chat(server, chat_body(kNumbersPrompt)).status, 401);
    EXPECT_EQ(post_chat(server, chat_body(kNumbersPrompt), {"Authorization: Bearer sk-right"}).status, 200);
    EXPECT_EQ(server.stats()["faults"]["unauthorized"], 2);
  }
  {
    MockServer server({"--quota-exhausted"});
    auto r = post_chat(server, chat_body(kNumbersPrompt));
    EXPECT_EQ(r.status, 429);
    expect_error_body(r.body, "insufficient_quota");
  }
  {
    MockServer server({"--known-models", "a,b"});
    auto r = post_chat(server, chat_body(kNumbersPrompt));
    EXPECT_EQ(r.status, 404);
    expect_error_body(r.body, "model_not_found");
    Json models = Json::parse(http_request("GET", server.base_url() + "/models").body);
    EXPECT_EQ(models["data"].size(), 2u);
    EXPECT_EQ(models["data"][1]["id"], "b");
  }
}

TEST(MockServer, RateLimitSendsRetryAfter) {
  MockServer server({"--rate-limit-rpm", "60"});  // one per second, bucket of one
  EXPECT_EQ(post_chat(server, chat_body(kNumbersPrompt, 1)).status, 200);
  auto r = post_chat(server, chat_body(kNumbersPrompt, 2));
  ASSERT_EQ(r.status, 429);
  expect_error_body(r.body, "rate_limit_exceeded");
  ASSERT_TRUE(r.headers.count("retry-after"));
  ASSERT_TRUE(r.headers.count("retry-after-ms"));
  const int ms = std::stoi(r.headers["retry-after-ms"]);
  EXPECT_GT(ms, 0);
  EXPECT_LE(ms, 1000);
  EXPECT_EQ(r.headers["retry-after"], "1");
}

TEST(MockServer, FaultsAreFreshDrawsPerAttempt) {
  MockServer server({"--fail-rate", "0.5", "--seed", "3"});
  int failures = 0, attempts = 0;
  for (int seed = 0; seed < 20; ++seed) {
    Json body = chat_body(kNumbersPrompt, seed);
    while (true) {
      ++attempts;
      auto r = post_chat(server, body);
      if (r.status == 200) break;
      ASSERT_EQ(r.status, 500);
      expect_error_body(r.body, "server_error");
      ++failures;
      ASSERT_LT(attempts, 400) << "a retried request never succeeded";
    }
  }
  EXPECT_GT(failures, 3);
  Json stats = server.stats();
  EXPECT_EQ(stats["completions_served"], 20);
  EXPECT_EQ(stats["distinct_bodies"], 20);
  EXPECT_EQ(stats["duplicate_completions"], 0);
  EXPECT_EQ(stats["requests"]["POST /v1/chat/completions"]["500"], failures);
}

TEST(MockServer, DroppedResponsesAreCutMidBody) {
  MockServer server({"--drop-rate", "1"});
  auto r = post_chat(server, chat_body(kNumbersPrompt));
  EXPECT_EQ(r.curl_code, 18) << "expected CURLE_PARTIAL_FILE, got status " << r.status << " body " << r.body;
  EXPECT_FALSE(r.body.empty());
  EXPECT_THROW(Json::parse(r.body), Json::parse_error);
  Json stats = server.stats();
  EXPECT_EQ(stats["faults"]["dropped"], 1);
  EXPECT_EQ(stats["completions_served"], 0);
}

TEST(MockServer, StatsCountDuplicates) {
  MockServer server;
  Json body = chat_body(kNumbersPrompt);
  post_chat_json(server, body);
  post_chat_json(server, body);
  Json stats = server.stats();
  EXPECT_EQ(stats["completions_served"], 2);
  EXPECT_EQ(stats["distinct_bodies"], 1);
  EXPECT_EQ(stats["duplicate_completions"], 1);
  EXPECT_EQ(stats["requests"]["POST /v1/chat/completions"]["200"], 2);
  server.reset_stats();
  EXPECT_EQ(server.stats()["completions_served"], 0);
}
