// The batched sampler: greedy results do not depend on the batch, seeds give reproducible and
// batch-independent samples, stop tokens and max_tokens end sequences, and continuous
// batching serves more requests than slots.
#include "sl/local/runtime/generate/generator.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "sl/local/runtime/model/architectures/registry.hpp"
#include "sl/local/runtime/model/causal_lm.hpp"
#include "test_support.hpp"
#include "tiny_checkpoint.hpp"

namespace sl::local {
namespace {

using sl::test::TempDir;

class GeneratorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    sl::test::write_tiny_checkpoint(dir_->path());
    model_ = load_causal_lm(dir_->path(), ComputeDevice{}).release();
  }
  static void TearDownTestSuite() {
    delete model_;
    delete dir_;
  }

  static SequenceRequest request(std::int64_t prompt_len, std::int64_t max_new, double temperature = 0,
                                 std::uint64_t seed = 0, std::int64_t offset = 0) {
    SequenceRequest r;
    for (std::int64_t i = 0; i < prompt_len; ++i)
      r.prompt.push_back(static_cast<std::int32_t>((i * 29 + offset * 7 + 3) % 256));
    r.max_new_tokens = max_new;
    r.sampling.temperature = temperature;
    r.sampling.seed = seed;
    return r;
  }

  static std::vector<SequenceOutput> generate(const std::vector<SequenceRequest>& requests,
                                              GeneratorOptions options = {}) {
    Generator g(*model_, options);
    std::vector<SequenceOutput> out(requests.size());
    std::vector<int> calls(requests.size(), 0);
    EXPECT_TRUE(g.run(requests, [&](std::size_t i, SequenceOutput o) {
      out[i] = std::move(o);
      ++calls[i];
    }));
    for (int c : calls) EXPECT_EQ(c, 1);
    return out;
  }

  static TempDir* dir_;
  static CausalLM* model_;
};

TempDir* GeneratorTest::dir_ = nullptr;
CausalLM* GeneratorTest::model_ = nullptr;

TEST_F(GeneratorTest, GreedyIsTheSameAloneAndInABatchWithLongerAndShorterPrompts) {
  const auto target = request(9, 12);
  const auto alone = generate({target});
  ASSERT_EQ(alone[0].tokens.size(), 12u);
  const auto batch = generate({request(3, 20, 0, 0, 1), target, request(30, 5, 0, 0, 2), request(1, 16, 0, 0, 3)});
  EXPECT_EQ(batch[1].tokens, alone[0].tokens);
  // Also when slots are scarce and the request is admitted mid-run (continuous batching).
  GeneratorOptions two_slots;
  two_slots.max_batch = 2;
  const auto refilled =
      generate({request(3, 20, 0, 0, 1), request(30, 5, 0, 0, 2), request(1, 16, 0, 0, 3), target}, two_slots);
  EXPECT_EQ(refilled[3].tokens, alone[0].tokens);
  // And when its prompt is prefilled in chunks.
  GeneratorOptions chunked;
  chunked.max_prefill_tokens = 4;
  EXPECT_EQ(generate({request(5, 3, 0, 0, 4), target}, chunked)[1].tokens, alone[0].tokens);
}

TEST_F(GeneratorTest, SeedsAreReproducibleAndIndependentOfTheBatch) {
  auto sampled = [](std::uint64_t seed) { return request(6, 24, 1.5, seed); };
  const auto a = generate({sampled(11)})[0].tokens;
  EXPECT_EQ(generate({sampled(11)})[0].tokens, a);
  EXPECT_NE(generate({sampled(12)})[0].tokens, a);
  // Same seed inside a batch of other sampled and greedy requests, in another slot.
  const auto batch =
      generate({request(4, 30, 1.0, 99, 5), request(12, 8, 0, 0, 6), sampled(11), request(2, 3, 2.0, 7, 7)});
  EXPECT_EQ(batch[2].tokens, a);
  // Two identical requests with different seeds generally differ; with the same seed they agree.
  const auto pair = generate({sampled(5), sampled(6), sampled(5)});
  EXPECT_EQ(pair[0].tokens, pair[2].tokens);
  EXPECT_NE(pair[0].tokens, pair[1].tokens);
}

TEST_F(GeneratorTest, TopPKeepsTheMostLikelyTokens) {
  // top_p close to 0 keeps only the most likely token: the same as greedy.
  auto r = request(7, 15, 1.0, 3);
  r.sampling.top_p = 1e-6;
  EXPECT_EQ(generate({r})[0].tokens, generate({request(7, 15)})[0].tokens);
  // A moderate top_p still samples reproducibly.
  r.sampling.top_p = 0.7;
  EXPECT_EQ(generate({r})[0].tokens, generate({r})[0].tokens);
}

TEST_F(GeneratorTest, StopsOnStopTokensAndMaxTokens) {
  const auto free_run = generate({request(5, 10)})[0];
  ASSERT_EQ(free_run.tokens.size(), 10u);
  EXPECT_FALSE(free_run.stopped);
  // Declare the 4th greedy token a stop token: generation ends there, the stop token included.
  GeneratorOptions options;
  options.stop_tokens = {free_run.tokens[3]};
  std::size_t first = 0;
  while (free_run.tokens[first] != free_run.tokens[3]) ++first;
  const auto stopped = generate({request(5, 10)}, options)[0];
  EXPECT_TRUE(stopped.stopped);
  EXPECT_EQ(stopped.tokens, std::vector<std::int32_t>(free_run.tokens.begin(), free_run.tokens.begin() + first + 1));
  EXPECT_EQ(generate({request(5, 1)})[0].tokens.size(), 1u);
}

TEST_F(GeneratorTest, ReportsLogprobsOfTheChosenAndTopTokens) {
  auto r = request(5, 6, 1.0, 4);
  r.sampling.logprobs = 3;
  const auto out = generate({r})[0];
  ASSERT_EQ(out.choices.size(), out.tokens.size());
  for (std::size_t i = 0; i < out.choices.size(); ++i) {
    const auto& c = out.choices[i];
    EXPECT_EQ(c.token, out.tokens[i]);
    ASSERT_EQ(c.top.size(), 3u);
    EXPECT_GE(c.top[0].second, c.top[1].second);
    EXPECT_GE(c.top[1].second, c.top[2].second);
    EXPECT_LE(c.logprob, c.top[0].second + 1e-6);
    EXPECT_LE(c.top[0].second, 0);
    EXPECT_LE(std::exp(c.top[0].second) + std::exp(c.top[1].second) + std::exp(c.top[2].second), 1 + 1e-5);
    for (const auto& [id, lp] : c.top)
      if (id == c.token) {
        EXPECT_FLOAT_EQ(lp, c.logprob);
      }
  }
  // Greedy: the chosen token is the most likely one.
  auto g = request(5, 4);
  g.sampling.logprobs = 1;
  const auto greedy = generate({g})[0];
  for (const auto& c : greedy.choices) EXPECT_EQ(c.token, c.top[0].first);
}

TEST_F(GeneratorTest, StopCheckEndsTheRunEarly) {
  Generator g(*model_, {});
  int steps = 0, done = 0;
  const bool finished = g.run(
      {request(4, 50), request(4, 50, 0, 0, 1)}, [&](std::size_t, SequenceOutput) { ++done; },
      [&] { return ++steps > 3; });
  EXPECT_FALSE(finished);
  EXPECT_EQ(done, 0);
}

TEST_F(GeneratorTest, ServesManyRequestsWithFewSlots) {
  std::vector<SequenceRequest> requests;
  for (int i = 0; i < 40; ++i) requests.push_back(request(1 + i % 13, 1 + (i * 7) % 11, i % 3 == 0 ? 0.0 : 1.0, i, i));
  GeneratorOptions options;
  options.max_batch = 5;
  const auto out = generate(requests, options);
  std::vector<SequenceOutput> alone;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    EXPECT_EQ(out[i].tokens.size(), static_cast<std::size_t>(requests[i].max_new_tokens));
    if (i % 8 == 0) {
      EXPECT_EQ(out[i].tokens, generate({requests[i]})[0].tokens) << "request " << i;
    }
  }
}

TEST(UniformDraw, IsUniformAndStreamSpecific) {
  double sum = 0;
  std::set<double> distinct;
  for (std::uint64_t s = 0; s < 100; ++s)
    for (std::uint64_t t = 0; t < 100; ++t) {
      const double u = uniform_draw(s, t);
      ASSERT_GE(u, 0.0);
      ASSERT_LT(u, 1.0);
      sum += u;
      distinct.insert(u);
    }
  EXPECT_NEAR(sum / 10000, 0.5, 0.02);
  EXPECT_EQ(distinct.size(), 10000u);
  EXPECT_EQ(uniform_draw(42, 7), uniform_draw(42, 7));
}

}  // namespace
}  // namespace sl::local
