#include "sl/openai/chat_types.hpp"

#include <gtest/gtest.h>

#include "sl/core/error.hpp"

using namespace sl::openai;
using sl::Json;

namespace {

Json valid_response() {
  return Json::parse(R"({
    "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-4.1-nano",
    "system_fingerprint": "fp", "service_tier": "default",
    "choices": [{"index": 0, "finish_reason": "length",
                 "message": {"role": "assistant", "content": "12, 34", "refusal": null, "annotations": []},
                 "logprobs": {"refusal": null, "content": [
                   {"token": "12", "logprob": -0.1, "bytes": [49, 50],
                    "top_logprobs": [{"token": "12", "logprob": -0.1, "bytes": [49, 50]},
                                     {"token": "13", "logprob": -2.5, "bytes": null}]}]}}],
    "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}})");
}

std::string decode_error(const Json& body) {
  try {
    parse_chat_completion(body);
  } catch (const sl::JsonDecodeError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(ChatTypes, RequestBodyHasTheSpecFieldsAndOmitsUnset) {
  ChatCompletionRequest r;
  r.model = "gpt-4.1-nano";
  r.messages = {{"system", "You love owls."}, {"user", "Hi"}};
  r.temperature = 1.0;
  Json j = to_json(r);
  EXPECT_EQ(
      j.dump(),
      R"({"model":"gpt-4.1-nano","messages":[{"role":"system","content":"You love owls."},{"role":"user","content":"Hi"}],"temperature":1.0})");

  r.top_p = 0.9;
  r.max_completion_tokens = 50;
  r.seed = 7;
  r.logprobs = true;
  r.top_logprobs = 5;
  j = to_json(r);
  EXPECT_EQ(j["top_p"], 0.9);
  EXPECT_EQ(j["max_completion_tokens"], 50);
  EXPECT_EQ(j["seed"], 7);
  EXPECT_EQ(j["logprobs"], true);
  EXPECT_EQ(j["top_logprobs"], 5);
  EXPECT_FALSE(j.contains("max_tokens"));
  EXPECT_EQ(to_json(r, "max_tokens")["max_tokens"], 50);
}

TEST(ChatTypes, ReadsChoiceZero) {
  ChatCompletion c = parse_chat_completion(valid_response());
  EXPECT_EQ(c.id, "chatcmpl-1");
  EXPECT_EQ(c.model, "gpt-4.1-nano");
  EXPECT_EQ(c.content, "12, 34");
  EXPECT_EQ(c.finish_reason, "length");
  EXPECT_FALSE(c.refusal);
  ASSERT_TRUE(c.logprobs);
  ASSERT_EQ(c.logprobs->size(), 1u);
  EXPECT_EQ((*c.logprobs)[0].token, "12");
  ASSERT_EQ((*c.logprobs)[0].top_logprobs.size(), 2u);
  EXPECT_EQ((*c.logprobs)[0].top_logprobs[1].first, "13");
  EXPECT_DOUBLE_EQ((*c.logprobs)[0].top_logprobs[1].second, -2.5);
}

TEST(ChatTypes, NullContentWithRefusal) {
  Json j = valid_response();
  j["choices"][0]["message"]["content"] = nullptr;
  j["choices"][0]["message"]["refusal"] = "I can't help with that.";
  j["choices"][0]["logprobs"] = nullptr;
  ChatCompletion c = parse_chat_completion(j);
  EXPECT_EQ(c.content, "");
  EXPECT_EQ(c.refusal, "I can't help with that.");
  EXPECT_FALSE(c.logprobs);
}

TEST(ChatTypes, ErrorsNameTheField) {
  Json j = valid_response();
  j.erase("choices");
  EXPECT_EQ(decode_error(j), "choices: missing required field");

  j = valid_response();
  j["choices"] = Json::array();
  EXPECT_EQ(decode_error(j), "choices: expected a non-empty list, got []");

  j = valid_response();
  j["choices"][0]["message"]["content"] = 5;
  EXPECT_EQ(decode_error(j), "choices[0].message.content: expected a string or null, got 5");

  j = valid_response();
  j["choices"][0].erase("finish_reason");
  EXPECT_EQ(decode_error(j), "choices[0].finish_reason: missing required field");

  j = valid_response();
  j["choices"][0]["logprobs"]["content"][0]["top_logprobs"][1]["logprob"] = "low";
  EXPECT_EQ(decode_error(j), "choices[0].logprobs.content[0].top_logprobs[1].logprob: expected a number, got \"low\"");

  j = valid_response();
  j["model"] = nullptr;
  EXPECT_EQ(decode_error(j), "model: expected a string, got null");

  EXPECT_EQ(decode_error(Json::array()), "expected a chat completion object, got []");
}
