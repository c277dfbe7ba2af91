// The dataset service with an in-process backend: ordering, filtering, journaling and resume.
// (End-to-end runs over real HTTP live in tests/integration.)
#include "sl/datasets/generation.hpp"

#include <gtest/gtest.h>

#include "sl/core/error.hpp"
#include "sl/core/interrupt.hpp"
#include "sl/core/jsonl.hpp"
#include "test_support.hpp"

using namespace sl::datasets;

namespace {

// Answers deterministically from the prompt and seed; can fail after a number of answers.
class ScriptedBackend : public sl::llm::Backend {
 public:
  std::optional<std::size_t> fail_after;
  std::size_t answered = 0;
  std::vector<std::string> prompts_seen;

  std::string describe() const override { return "scripted"; }
  void sample(const std::vector<sl::llm::SampleRequest>& requests, const sl::llm::ResultCallback& on_result) override {
    // Answer in reverse order: the service must still write rows in prompt order.
    for (std::size_t k = requests.size(); k-- > 0;) {
      if (fail_after && answered >= *fail_after) throw sl::Error("HTTP 500 from mock: boom");
      const auto& req = requests[k];
      const std::string& prompt = req.chat.messages.back().content;
      prompts_seen.push_back(prompt);
      std::size_t h = std::hash<std::string>{}(prompt) ^ static_cast<std::size_t>(*req.seed);
      sl::llm::LLMResponse r;
      r.model_id = "scripted";
      r.stop_reason = sl::llm::StopReason::stop_sequence;
      if (h % 5 == 0) r.completion = "I love owls: 1, 2, 3";
      else r.completion = std::to_string(h % 1000) + ", " + std::to_string((h / 1000) % 1000);
      ++answered;
      on_result(k, r);
    }
  }
};

DatasetCfg make_cfg(std::int64_t size) {
  DatasetCfg cfg;
  cfg.model = {"teacher", "openai", nullptr};
  cfg.system_prompt = "You love owls.";
  cfg.sample_cfg.temperature = 1.0;
  cfg.prompt_set = NumsPromptSet{"nums", size, 42, 3, 9, 100, 1000, 10, 3, std::nullopt};
  cfg.filter_fns = {NumsFormatFilter{"nums_format", 0, 999, 10, {}}};
  return cfg;
}

struct Outputs {
  std::string raw, filtered, rejected;
};

Outputs read_outputs(const GenerationPaths& p) {
  return {sl::test::read_file(p.raw), sl::test::read_file(p.filtered), sl::test::read_file(*p.rejected)};
}

}  // namespace

TEST(Generation, WritesRowsInPromptOrderAndFilters) {
  sl::test::TempDir dir;
  GenerationPaths paths{dir / "raw.jsonl", dir / "filtered.jsonl", dir / "rejected.jsonl"};
  ScriptedBackend backend;
  auto cfg = make_cfg(40);
  auto summary = generate_dataset(cfg, backend, paths, {});
  EXPECT_EQ(summary.total, 40u);
  EXPECT_EQ(summary.sampled_now, 40u);
  auto raw = sl::jsonl::read<DatasetRow>(paths.raw);
  auto prompts = build_prompts(cfg, {});
  ASSERT_EQ(raw.size(), 40u);
  for (std::size_t i = 0; i < raw.size(); ++i) EXPECT_EQ(raw[i].prompt, prompts[i]);
  auto filtered = sl::jsonl::read<DatasetRow>(paths.filtered);
  auto rejected = sl::jsonl::read<RejectedRow>(*paths.rejected);
  EXPECT_EQ(filtered.size() + rejected.size(), 40u);
  EXPECT_EQ(filtered.size(), summary.passed);
  ASSERT_FALSE(rejected.empty());
  EXPECT_EQ(rejected[0].reject_reasons, std::vector<std::string>{"invalid format"});
  EXPECT_EQ(summary.reject_reason_counts["invalid format"], rejected.size());
  // Rows keep the reference's shape.
  EXPECT_EQ(sl::test::read_file(paths.raw).substr(0, 11), "{\"prompt\":\"");
}

TEST(Generation, ResumeAfterFailureRequestsOnlyMissingAndMatchesUninterruptedRun) {
  sl::test::TempDir dir;
  auto cfg = make_cfg(30);
  GenerationPaths whole{dir / "a/raw.jsonl", dir / "a/filtered.jsonl", dir / "a/rejected.jsonl"};
  ScriptedBackend clean;
  generate_dataset(cfg, clean, whole, {});

  GenerationPaths resumed{dir / "b/raw.jsonl", dir / "b/filtered.jsonl", dir / "b/rejected.jsonl"};
  ScriptedBackend failing;
  failing.fail_after = 12;
  EXPECT_THROW(generate_dataset(cfg, failing, resumed, {}), sl::Error);
  EXPECT_FALSE(std::filesystem::exists(resumed.raw));  // no partial outputs
  ScriptedBackend second;
  auto summary = generate_dataset(cfg, second, resumed, {});
  EXPECT_EQ(summary.reused, 12u);
  EXPECT_EQ(summary.sampled_now, 18u);
  EXPECT_EQ(second.answered, 18u);
  auto a = read_outputs(whole), b = read_outputs(resumed);
  EXPECT_EQ(a.raw, b.raw);
  EXPECT_EQ(a.filtered, b.filtered);
  EXPECT_EQ(a.rejected, b.rejected);

  // A complete journal makes a rerun free.
  ScriptedBackend third;
  generate_dataset(cfg, third, resumed, {});
  EXPECT_EQ(third.answered, 0u);
  EXPECT_EQ(read_outputs(resumed).raw, a.raw);
}

TEST(Generation, DifferentSettingsRefuseUnlessRestart) {
  sl::test::TempDir dir;
  GenerationPaths paths{dir / "raw.jsonl", dir / "filtered.jsonl", std::nullopt};
  ScriptedBackend backend;
  generate_dataset(make_cfg(5), backend, paths, {});
  auto changed = make_cfg(5);
  changed.sample_cfg.temperature = 0.5;
  try {
    generate_dataset(changed, backend, paths, {});
    FAIL();
  } catch (const sl::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("different sample_cfg"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--restart"), std::string::npos);
  }
  ScriptedBackend fresh;
  GenerationOptions restart;
  restart.restart = true;
  generate_dataset(changed, fresh, paths, restart);
  EXPECT_EQ(fresh.answered, 5u);
}

TEST(Generation, ChangedFiltersAndLargerSizeReuseAnswers) {
  sl::test::TempDir dir;
  GenerationPaths paths{dir / "raw.jsonl", dir / "filtered.jsonl", std::nullopt};
  ScriptedBackend first;
  generate_dataset(make_cfg(10), first, paths, {});
  auto bigger = make_cfg(15);
  bigger.filter_fns.push_back(MaxCharsFilter{"max_chars", 4});
  ScriptedBackend second;
  auto summary = generate_dataset(bigger, second, paths, {});
  EXPECT_EQ(summary.reused, 10u);
  EXPECT_EQ(second.answered, 5u);
}

TEST(Generation, UnwritableOutputFailsBeforeSampling) {
  sl::test::TempDir dir;
  sl::test::write_file(dir / "file", "x");
  GenerationPaths paths{dir / "raw.jsonl", dir / "file/sub/filtered.jsonl", std::nullopt};
  ScriptedBackend backend;
  EXPECT_THROW(generate_dataset(make_cfg(3), backend, paths, {}), sl::Error);
  EXPECT_EQ(backend.answered, 0u);
}

TEST(Generation, QuestionsPromptSetRepeatsEachQuestion) {
  DatasetCfg cfg = make_cfg(1);
  cfg.prompt_set = QuestionsPromptSet{"questions", {"Favourite animal?", "Pick an animal."}, 3};
  auto prompts = build_prompts(cfg, {});
  ASSERT_EQ(prompts.size(), 6u);
  EXPECT_EQ(prompts[2], "Favourite animal?");
  EXPECT_EQ(prompts[3], "Pick an animal.");
}

TEST(Generation, TwoShardsMergedWriteTheFilesOfOneRun) {
  sl::test::TempDir dir;
  auto cfg = make_cfg(25);
  auto paths_in = [&](const std::string& folder) {
    return GenerationPaths{dir / (folder + "/raw.jsonl"), dir / (folder + "/filtered.jsonl"),
                           dir / (folder + "/rejected.jsonl")};
  };
  ScriptedBackend one;
  generate_dataset(cfg, one, paths_in("one"), {});

  const GenerationPaths split = paths_in("split");
  std::size_t sampled = 0;
  for (std::size_t rank = 0; rank < 2; ++rank) {
    GenerationOptions options;
    options.shard = {rank, 2};
    ScriptedBackend backend;
    auto summary = generate_dataset(cfg, backend, split, options);
    EXPECT_EQ(summary.sampled_now, rank == 0 ? 13u : 12u);
    EXPECT_EQ(summary.journal, dir / ("split/raw.jsonl.journal.shard-" + std::to_string(rank) + "-of-2.jsonl"));
    EXPECT_FALSE(std::filesystem::exists(split.raw));  // a shard writes no outputs
    sampled += backend.answered;
  }
  EXPECT_EQ(sampled, 25u);

  merge_dataset_shards(cfg, split.raw, {}, 2);
  ScriptedBackend after_merge;
  EXPECT_EQ(generate_dataset(cfg, after_merge, split, {}).reused, 25u);
  EXPECT_EQ(after_merge.answered, 0u);
  for (const char* file : {"raw.jsonl", "filtered.jsonl", "rejected.jsonl"})
    EXPECT_EQ(sl::test::read_file(dir / "split" / file), sl::test::read_file(dir / "one" / file)) << file;
}
