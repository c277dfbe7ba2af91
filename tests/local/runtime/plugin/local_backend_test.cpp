// open_source models through sl::llm::make_backend: the runtime plugin is found next to the
// executable, dlopen()ed, and serves SampleRequests as generate_dataset sends them.
#include <gtest/gtest.h>

#include <cmath>

#include "sl/core/error.hpp"
#include "sl/llm/backend.hpp"
#include "sl/local/runtime/plugin/loader.hpp"
#include "sl/local/text/tokenizer.hpp"
#include "test_support.hpp"
#include "tiny_checkpoint.hpp"

namespace sl::llm {
namespace {

using sl::test::TempDir;

std::vector<LLMResponse> sample_all(Backend& backend, const std::vector<SampleRequest>& requests) {
  std::vector<LLMResponse> out(requests.size());
  std::vector<bool> seen(requests.size(), false);
  backend.sample(requests, [&](std::size_t i, LLMResponse r) {
    EXPECT_FALSE(seen[i]);
    seen[i] = true;
    out[i] = std::move(r);
  });
  for (bool s : seen) EXPECT_TRUE(s);
  return out;
}

TEST(LocalBackend, SamplesThroughThePlugin) {
  TempDir dir;
  sl::test::write_tiny_checkpoint(dir / "model");
  Model model{(dir / "model").string(), "open_source", nullptr};
  auto backend = make_backend(model, {.concurrency = 4});
  EXPECT_NE(backend->describe().find("Qwen2ForCausalLM"), std::string::npos) << backend->describe();
  EXPECT_EQ(local::runtime_plugin_path().filename(), local::kRuntimePluginFileName);

  std::vector<SampleRequest> requests;
  for (int i = 0; i < 10; ++i) {
    SampleRequest r;
    r.chat = build_simple_chat("Continue: " + std::to_string(i), "You love owls.");
    r.cfg.temperature = 1.0;
    r.cfg.max_tokens = 6;
    r.seed = derive_seed(42, static_cast<std::uint64_t>(i));
    requests.push_back(r);
  }
  requests[3].cfg.logprobs = 2;
  const auto first = sample_all(*backend, requests);
  for (const auto& r : first) {
    EXPECT_EQ(r.model_id, model.id);
    EXPECT_TRUE(r.stop_reason == StopReason::max_tokens || r.stop_reason == StopReason::stop_sequence);
  }
  ASSERT_TRUE(first[3].logprobs);
  EXPECT_FALSE(first[3].logprobs->empty());
  EXPECT_EQ(first[3].logprobs->front().size(), 2u);
  EXPECT_FALSE(first[0].logprobs);
  // With logprobs, the sampled ids: one per logprobs entry, decoding to the completion, the
  // stop token last when it stopped on one.
  ASSERT_TRUE(first[3].token_ids);
  ASSERT_EQ(first[3].token_ids->size(), first[3].logprobs->size());
  const auto tok = local::Tokenizer::from_file(dir / "model" / "tokenizer.json");
  EXPECT_EQ(tok->decode(*first[3].token_ids, /*skip_special_tokens=*/true), first[3].completion);
  if (first[3].stop_reason == StopReason::stop_sequence) {
    EXPECT_TRUE(tok->is_special(first[3].token_ids->back()));
  }
  EXPECT_FALSE(first[0].token_ids);
  // Per-request seeds: the same requests in another order and batch give the same completions.
  std::vector<SampleRequest> reversed(requests.rbegin(), requests.rend());
  const auto second = sample_all(*backend, reversed);
  for (std::size_t i = 0; i < requests.size(); ++i)
    EXPECT_EQ(second[requests.size() - 1 - i].completion, first[i].completion);
}

TEST(LocalBackend, FineTunedModelUsesItsAdapterOnTheParent) {
  TempDir dir;
  sl::test::write_tiny_checkpoint(dir / "base");
  sl::test::write_tiny_adapter(dir / "student", {}, 3);
  auto parent = std::make_shared<Model>(Model{(dir / "base").string(), "open_source", nullptr});
  Model student{(dir / "student").string(), "open_source", parent};
  auto backend = make_backend(student);
  EXPECT_NE(backend->describe().find("adapter on"), std::string::npos) << backend->describe();
  auto base_backend = make_backend(*parent);
  std::vector<SampleRequest> requests;
  for (int i = 0; i < 4; ++i) {
    SampleRequest r;
    r.chat = build_simple_chat("Pick a number " + std::to_string(i));
    r.cfg.temperature = 0;
    r.cfg.max_tokens = 8;
    requests.push_back(r);
  }
  const auto tuned = sample_all(*backend, requests);
  const auto plain = sample_all(*base_backend, requests);
  int differ = 0;
  for (std::size_t i = 0; i < requests.size(); ++i) differ += tuned[i].completion != plain[i].completion;
  EXPECT_GT(differ, 0) << "the adapter should change greedy completions";
  EXPECT_EQ(tuned[0].model_id, student.id);
}

TEST(LocalBackend, MissingModelIsAUsageError) {
  TempDir dir;
  Model model{(dir / "absent").string(), "open_source", nullptr};
  try {
    make_backend(model);
    ADD_FAILURE() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("not found"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace sl::llm

namespace sl::llm {
namespace {

// Backend::answer_probabilities against brute force from next-token distributions: for each
// one-token answer x, P(x | prompt) * sum over end tokens s of P(s | prompt + x), each factor
// read from a separate full next-token distribution.
TEST(LocalBackend, ExactAnswerProbabilitiesEqualBruteForce) {
  TempDir dir;
  sl::test::TinyModel m;
  m.init_std = 0.1;  // a flatter distribution, so answers carry visible probability
  sl::test::write_tiny_checkpoint(dir / "model", m);
  Model model{(dir / "model").string(), "open_source", nullptr};
  auto backend = make_backend(model, {.concurrency = 4});
  local::EngineOptions eo;
  eo.model = model.id;
  eo.show_progress = false;
  auto engine = local::runtime_plugin().load_engine(eo);
  const auto tok = engine->tokenizer();
  const auto& stops = engine->info().stop_token_ids;
  ASSERT_FALSE(stops.empty());

  local::GenerationRequest g;
  g.messages = {{"user", "Favourite animal?"}};
  const auto prompt = engine->prompt_ids(g);
  const auto vocab = static_cast<std::int32_t>(tok->vocab_size());
  local::ScoreRequest all_next;
  all_next.prompt_ids = prompt;
  for (std::int32_t id = 0; id < vocab; ++id) all_next.continuations.push_back({id});
  const auto next = engine->score({all_next})[0];

  std::vector<std::string> answers;
  std::vector<double> expected;
  for (std::int32_t id = 0; id < vocab && answers.size() < 30; ++id) {
    const std::int32_t one[1] = {id};
    const std::string text = tok->decode(one);
    if (text.empty() || tok->encode(text) != std::vector<std::int32_t>{id}) continue;
    local::ScoreRequest after;
    after.prompt_ids = prompt;
    after.prompt_ids.push_back(id);
    for (auto s : stops) after.continuations.push_back({s});
    double p_end = 0;
    const auto end_scores = engine->score({after});  // kept alive: a range-for over [0] of a temporary dangles
    for (double lp : end_scores[0]) p_end += std::exp(lp);
    answers.push_back(text);
    expected.push_back(std::exp(next[static_cast<std::size_t>(id)]) * p_end);
  }
  ASSERT_GE(answers.size(), 10u);
  const auto got =
      backend->answer_probabilities({AnswerQuery{build_simple_chat("Favourite animal?", std::nullopt), answers}});
  ASSERT_TRUE(got.has_value());
  ASSERT_EQ((*got)[0].size(), answers.size());
  for (std::size_t i = 0; i < answers.size(); ++i)
    EXPECT_NEAR((*got)[0][i], expected[i], 1e-6 + 1e-4 * expected[i]) << "answer \"" << answers[i] << "\"";
}

}  // namespace
}  // namespace sl::llm
