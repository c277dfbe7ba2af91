#include "sl/llm/data_models.hpp"

#include <gtest/gtest.h>

#include "sl/core/error.hpp"

using sl::llm::Model;

TEST(Model, RoundTripWithParent) {
  auto j = sl::Json::parse(R"({"id":"ft:x","type":"openai","parent_model":{"id":"gpt","type":"openai"}})");
  Model m = sl::json::decode_value<Model>(j);
  EXPECT_EQ(m.id, "ft:x");
  ASSERT_TRUE(m.parent_model);
  EXPECT_EQ(m.parent_model->id, "gpt");
  EXPECT_EQ(sl::json::encode(m).dump(),
            R"({"id":"ft:x","type":"openai","parent_model":{"id":"gpt","type":"openai","parent_model":null}})");
}

TEST(Model, StrictErrors) {
  auto err = [](const char* text) {
    try {
      sl::json::decode_value<Model>(sl::Json::parse(text), "model");
    } catch (const sl::JsonDecodeError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(err(R"({"id":"x","type":"anthropic"})"),
            "model.type: expected one of \"openai\", \"open_source\", got \"anthropic\"");
  EXPECT_EQ(err(R"({"type":"openai"})"), "model.id: missing required field");
  EXPECT_EQ(err(R"({"id":"x","type":"openai","source":1})"),
            "model.source: unknown key (known keys: id, type, parent_model, base_url, api_key_env)");
  EXPECT_EQ(err(R"({"id":"x","type":"openai","base_url":"localhost:8000"})"),
            "model.base_url: expected an http:// or https:// URL, got \"localhost:8000\"");
  EXPECT_EQ(err(R"({"id":"x","type":"openai","base_url":[]})"),
            "model.base_url: expected a URL or a non-empty list of URLs, got []");
  EXPECT_EQ(err(R"({"id":"x","type":"openai","base_url":["http://a/v1","http://a/v1/"]})"),
            "model.base_url[1]: listed twice");
  EXPECT_EQ(err(R"({"id":"x","type":"openai","api_key_env":"sk-abc"})"),  // the value is not shown
            "model.api_key_env: expected the name of an environment variable (letters, digits, _), not the key "
            "itself");
}

TEST(Model, EndpointFieldsRoundTripAndStayOutOfTheIdentity) {
  auto j = sl::Json::parse(R"({"id":"a/student","type":"open_source","api_key_env":"VLLM_KEY",
      "base_url":["http://h1:8000/v1/","http://h2:8000/v1"],
      "parent_model":{"id":"Qwen/Qwen2.5-0.5B-Instruct","type":"open_source","base_url":"http://h1:8000/v1"}})");
  Model m = sl::json::decode_value<Model>(j);
  EXPECT_EQ(m.base_urls, (std::vector<std::string>{"http://h1:8000/v1", "http://h2:8000/v1"}));
  EXPECT_EQ(m.api_key_env, "VLLM_KEY");
  EXPECT_EQ(sl::json::encode(m).dump(),
            R"({"id":"a/student","type":"open_source","parent_model":{"id":"Qwen/Qwen2.5-0.5B-Instruct",)"
            R"("type":"open_source","parent_model":null,"base_url":"http://h1:8000/v1"},)"
            R"("base_url":["http://h1:8000/v1","http://h2:8000/v1"],"api_key_env":"VLLM_KEY"})");
  // Journals identify a model without its servers, exactly as a model file without them encodes.
  EXPECT_EQ(sl::llm::model_identity(m).dump(),
            R"({"id":"a/student","type":"open_source","parent_model":{"id":"Qwen/Qwen2.5-0.5B-Instruct",)"
            R"("type":"open_source","parent_model":null}})");
  Model plain = sl::json::decode_value<Model>(sl::Json::parse(R"({"id":"gpt","type":"openai"})"));
  EXPECT_EQ(sl::llm::model_identity(plain), sl::json::encode(plain));
}

TEST(StopReason, MapsLikeReference) {
  using sl::llm::StopReason;
  EXPECT_EQ(sl::llm::parse_stop_reason("length"), StopReason::max_tokens);
  EXPECT_EQ(sl::llm::parse_stop_reason("stop"), StopReason::stop_sequence);
  EXPECT_EQ(sl::llm::parse_stop_reason("content_filter"), StopReason::content_filter);
  EXPECT_EQ(sl::llm::parse_stop_reason("tool_calls"), StopReason::unknown);
}

TEST(SampleCfg, ValidatesOptionalRanges) {
  auto j = sl::Json::parse(R"({"temperature": 1.0, "top_p": 0})");
  try {
    sl::json::decode_value<sl::llm::SampleCfg>(j, "sample_cfg");
    FAIL();
  } catch (const sl::JsonDecodeError& e) {
    EXPECT_STREQ(e.what(), "sample_cfg.top_p: expected a number above 0 and at most 1, got 0");
  }
  auto ok = sl::json::decode_value<sl::llm::SampleCfg>(sl::Json::parse(R"({"temperature": 0.7})"));
  EXPECT_EQ(sl::json::encode(ok).dump(), R"({"temperature":0.7})");
}

TEST(Seeds, DerivedSeedsDifferAndAreStable) {
  EXPECT_EQ(sl::llm::derive_seed(42, 0), sl::llm::derive_seed(42, 0));
  EXPECT_NE(sl::llm::derive_seed(42, 0), sl::llm::derive_seed(42, 1));
  EXPECT_GE(sl::llm::derive_seed(42, 7), 0);
}

// token_ids are written only when a backend knew them, so responses from an API (and results
// files written before the field existed) keep their shape; both forms decode.
TEST(LLMResponse, TokenIdsAreOptionalAndRoundTrip) {
  sl::llm::LLMResponse r{"m", "42", sl::llm::StopReason::stop_sequence, std::nullopt, std::nullopt};
  EXPECT_EQ(sl::json::encode(r).dump(),
            R"({"model_id":"m","completion":"42","stop_reason":"stop_sequence","logprobs":null})");
  EXPECT_FALSE(sl::json::decode_value<sl::llm::LLMResponse>(sl::json::encode(r)).token_ids);
  r.logprobs = std::vector<sl::llm::TokenLogprobs>{{{"4", -0.1}}, {{"2", -0.2}}, {{"<|im_end|>", -0.01}}};
  r.token_ids = std::vector<std::int32_t>{52, 50, 258};
  const auto back = sl::json::decode_value<sl::llm::LLMResponse>(sl::json::encode(r));
  EXPECT_EQ(back.token_ids, r.token_ids);
  EXPECT_EQ(sl::json::encode(back), sl::json::encode(r));
}
