// The Engine: chat template + tokenizer + model + sampler, as executables use it.
#include <gtest/gtest.h>

#include "sl/core/error.hpp"
#include "sl/local/runtime/generate/local_engine.hpp"
#include "sl/local/text/tokenizer.hpp"
#include "test_support.hpp"
#include "tiny_checkpoint.hpp"

namespace sl::local {
namespace {

using sl::test::TempDir;

class EngineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    sl::test::write_tiny_checkpoint(dir_->path());
    EngineOptions options;
    options.model = dir_->path().string();
    options.show_progress = false;
    engine_ = load_local_engine(options).release();
  }
  static void TearDownTestSuite() {
    delete engine_;
    delete dir_;
  }

  static std::vector<GenerationResult> generate(const std::vector<GenerationRequest>& requests) {
    std::vector<GenerationResult> out(requests.size());
    engine_->generate(requests, [&](std::size_t i, GenerationResult r) { out[i] = std::move(r); });
    return out;
  }

  static GenerationRequest chat(const std::string& user, double temperature = 0, std::int64_t max_tokens = 8) {
    GenerationRequest r;
    r.messages = {{"system", "Be brief."}, {"user", user}};
    r.temperature = temperature;
    r.max_tokens = max_tokens;
    return r;
  }

  static TempDir* dir_;
  static Engine* engine_;
};

TempDir* EngineTest::dir_ = nullptr;
Engine* EngineTest::engine_ = nullptr;

TEST_F(EngineTest, DescribesTheModel) {
  const auto& info = engine_->info();
  EXPECT_EQ(info.architecture, "Qwen2ForCausalLM");
  EXPECT_EQ(info.device, "cpu");
  EXPECT_EQ(info.dtype, "float32");
  EXPECT_EQ(info.vocab_size, 320);
  EXPECT_EQ(info.max_model_len, 256);
  // config.json's eos, generation_config.json's list and tokenizer_config.json's eos_token.
  EXPECT_EQ(info.stop_token_ids, (std::vector<std::int32_t>{sl::test::kEndOfText, sl::test::kImEnd}));
}

TEST_F(EngineTest, RendersTheChatTemplateWithAGenerationPrompt) {
  const auto ids = engine_->prompt_ids(chat("Hi"));
  const auto expected = engine_->tokenizer()->encode(
      "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
  EXPECT_EQ(ids, expected);
  EXPECT_EQ(ids.front(), sl::test::kImStart);
  GenerationRequest raw;
  raw.prompt_ids = {1, 2, 3};
  EXPECT_EQ(engine_->prompt_ids(raw), (std::vector<std::int32_t>{1, 2, 3}));
}

TEST_F(EngineTest, GeneratesTextThatMatchesItsTokens) {
  const std::vector<GenerationRequest> requests = {chat("Hello there", 0, 12), chat("Numbers?", 1.0, 5)};
  const auto results = generate(requests);
  for (std::size_t i = 0; i < results.size(); ++i) {
    const auto& r = results[i];
    EXPECT_FALSE(r.token_ids.empty());
    EXPECT_TRUE(r.finish_reason == "stop" || r.finish_reason == "length") << r.finish_reason;
    auto text_ids = r.token_ids;
    if (r.finish_reason == "stop") {
      EXPECT_TRUE(text_ids.back() == sl::test::kImEnd || text_ids.back() == sl::test::kEndOfText);
      text_ids.pop_back();
    }
    EXPECT_EQ(r.text, engine_->tokenizer()->decode(text_ids, true));
    EXPECT_EQ(r.prompt_tokens, static_cast<std::int64_t>(engine_->prompt_ids(requests[i]).size()));
  }
  EXPECT_EQ(results[0].finish_reason == "length", results[0].token_ids.size() == 12u);
  // Greedy is deterministic; the same request in another batch gives the same text.
  EXPECT_EQ(generate({chat("Hello there", 0, 12)})[0].text, results[0].text);
}

TEST_F(EngineTest, ReportsLogprobsWithTokenText) {
  auto r = chat("Hi", 1.0, 4);
  r.logprobs = 2;
  r.seed = 3;
  const auto out = generate({r})[0];
  ASSERT_EQ(out.logprobs.size(), out.token_ids.size());
  for (std::size_t i = 0; i < out.logprobs.size(); ++i) {
    const auto& t = out.logprobs[i];
    EXPECT_EQ(t.chosen.id, out.token_ids[i]);
    ASSERT_EQ(t.top.size(), 2u);
    EXPECT_GE(t.top[0].logprob, t.top[1].logprob);
    const std::int32_t one[1] = {t.top[0].id};
    EXPECT_EQ(t.top[0].text, engine_->tokenizer()->decode(one));
  }
  r.logprobs.reset();
  EXPECT_TRUE(generate({r})[0].logprobs.empty());
}

TEST_F(EngineTest, BadRequestsAreUsageErrorsNamingTheRequest) {
  auto error = [&](GenerationRequest r) -> std::string {
    try {
      generate({chat("fine"), r});
    } catch (const UsageError& e) {
      return e.what();
    }
    return "(no error)";
  };
  GenerationRequest empty;
  EXPECT_NE(error(empty).find("request 1: the prompt is empty"), std::string::npos);
  auto r = chat("x");
  r.top_p = 0;
  EXPECT_NE(error(r).find("request 1: top_p"), std::string::npos);
  r = chat("x");
  r.adapter = "student";
  EXPECT_NE(error(r).find("unknown adapter \"student\""), std::string::npos);
  r = chat("x");
  r.messages.clear();
  r.prompt_ids = {5, 999};
  EXPECT_NE(error(r).find("prompt token id 999 is outside the vocabulary"), std::string::npos);
  r.prompt_ids.assign(300, 5);
  EXPECT_NE(error(r).find("the model's context is 256"), std::string::npos);
}

TEST_F(EngineTest, SamplesOnlyTokensTheTokenizerKnows) {
  // The tiny model's embedding has 320 rows, its tokenizer 259 tokens (Qwen2.5 pads likewise).
  std::vector<GenerationRequest> requests;
  for (int i = 0; i < 8; ++i) {
    auto r = chat("Go " + std::to_string(i), 3.0, 40);
    r.seed = static_cast<std::uint64_t>(i);
    requests.push_back(r);
  }
  for (const auto& r : generate(requests))
    for (auto id : r.token_ids) EXPECT_LT(id, 259);
}

TEST_F(EngineTest, MaxTokensIsCappedByTheContext) {
  GenerationRequest r;
  r.prompt_ids.assign(250, 7);
  r.temperature = 0;
  const auto out = generate({r})[0];
  EXPECT_LE(out.token_ids.size(), 6u);
}

TEST(EngineLoad, LlamaCheckpointWithLlama3RopeGenerates) {
  TempDir dir;
  sl::test::TinyModel m;
  m.architecture = "LlamaForCausalLM";
  m.llama3_scaling = true;
  m.tied = false;
  sl::test::write_tiny_checkpoint(dir.path(), m);
  EngineOptions options;
  options.model = dir.path().string();
  options.show_progress = false;
  auto engine = load_local_engine(options);
  EXPECT_EQ(engine->info().architecture, "LlamaForCausalLM");
  GenerationRequest r;
  r.messages = {{"user", "Hello"}};
  r.max_tokens = 20;
  r.temperature = 0.7;
  r.seed = 5;
  std::vector<GenerationResult> out(2);
  engine->generate({r, r}, [&](std::size_t i, GenerationResult g) { out[i] = std::move(g); });
  EXPECT_FALSE(out[0].token_ids.empty());
  EXPECT_EQ(out[0].token_ids, out[1].token_ids);
}

TEST(EngineLoad, ClearErrorsForIncompleteFolders) {
  TempDir dir;
  sl::test::write_tiny_checkpoint(dir.path());
  std::filesystem::remove(dir / "tokenizer.json");
  EngineOptions options;
  options.model = dir.path().string();
  try {
    load_local_engine(options);
    ADD_FAILURE() << "loaded without tokenizer.json";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("tokenizer.json is missing"), std::string::npos) << e.what();
  }
  options.model = (dir / "nowhere").string();
  EXPECT_THROW(load_local_engine(options), UsageError);
}

}  // namespace
}  // namespace sl::local
