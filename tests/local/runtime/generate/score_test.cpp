// Engine::score (teacher-forced log-probabilities) and exact answer probabilities through the
// Backend, checked against brute force over a tiny random model's distribution.
#include <gtest/gtest.h>

#include <cmath>

#include "sl/core/error.hpp"
#include "sl/local/runtime/generate/local_engine.hpp"
#include "sl/local/text/tokenizer.hpp"
#include "test_support.hpp"
#include "tiny_checkpoint.hpp"

namespace sl::local {
namespace {

class ScoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new sl::test::TempDir();
    sl::test::TinyModel m;
    m.init_std = 0.1;  // a flatter distribution: many tokens carry visible mass
    sl::test::write_tiny_checkpoint(dir_->path(), m);
    EngineOptions options;
    options.model = dir_->path().string();
    options.show_progress = false;
    options.max_prefill_tokens = 300;  // several forward passes in the brute-force test
    engine_ = load_local_engine(options).release();
  }
  static void TearDownTestSuite() {
    delete engine_;
    delete dir_;
  }
  static ScoreRequest question(std::vector<std::vector<std::int32_t>> continuations) {
    ScoreRequest r;
    r.messages = {{"user", "Favourite animal?"}};
    r.continuations = std::move(continuations);
    return r;
  }
  static sl::test::TempDir* dir_;
  static Engine* engine_;
};
sl::test::TempDir* ScoreTest::dir_ = nullptr;
Engine* ScoreTest::engine_ = nullptr;

TEST_F(ScoreTest, NextTokenProbabilitiesSumToOne) {
  // Brute force: every token the tokenizer knows as a one-token continuation.
  std::vector<std::vector<std::int32_t>> all;
  const auto vocab = static_cast<std::int32_t>(engine_->tokenizer()->vocab_size());
  for (std::int32_t id = 0; id < vocab; ++id) all.push_back({id});
  auto scores = engine_->score({question(all)});
  ASSERT_EQ(scores[0].size(), all.size());
  double total = 0;
  for (double lp : scores[0]) {
    EXPECT_LE(lp, 0.0);
    total += std::exp(lp);
  }
  // Each term is a probability from float32 logits; the continuations are scored in several
  // forward passes of different batch shapes, whose float32 products may round a logit
  // differently (a few 2^-24 relative), so each term carries an error of a few 2^-24 and the
  // sum of the V terms one of at most V * 2^-24 (the log-softmax itself is float64).
  EXPECT_NEAR(total, 1.0, static_cast<double>(vocab) * std::ldexp(1.0, -24));
}

TEST_F(ScoreTest, ChainRuleAndAgreementWithSamplingLogprobs) {
  const std::int32_t a = 'o', b = 'w';
  auto joint = engine_->score({question({{a, b}, {a}})})[0];
  // log P(a, b) = log P(a) + log P(b | prompt + a).
  auto prompt = engine_->prompt_ids([] {
    GenerationRequest g;
    g.messages = {{"user", "Favourite animal?"}};
    return g;
  }());
  ScoreRequest after_a;
  after_a.prompt_ids = prompt;
  after_a.prompt_ids.push_back(a);
  after_a.continuations = {{b}};
  const double lp_b = engine_->score({after_a})[0][0];
  EXPECT_NEAR(joint[0], joint[1] + lp_b, 1e-5);  // fp32 forward passes over different batch shapes

  // The sampler's logprobs of a greedy token equal the scorer's.
  GenerationRequest greedy;
  greedy.messages = {{"user", "Favourite animal?"}};
  greedy.temperature = 0;
  greedy.max_tokens = 1;
  greedy.logprobs = 0;
  std::vector<GenerationResult> results(1);
  engine_->generate({greedy}, [&](std::size_t i, GenerationResult r) { results[i] = std::move(r); });
  const auto token = results[0].token_ids.at(0);
  EXPECT_NEAR(engine_->score({question({{token}})})[0][0], results[0].logprobs.at(0).chosen.logprob, 1e-5);
}

TEST_F(ScoreTest, BadContinuationsAreUsageErrors) {
  EXPECT_THROW(engine_->score({question({{}})}), UsageError);
  EXPECT_THROW(engine_->score({question({{999999}})}), UsageError);
}

}  // namespace
}  // namespace sl::local
