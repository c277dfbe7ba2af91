#include "sl/experiments/pretraining/corpus.hpp"

#include <gtest/gtest.h>

#include "sl/core/config_file.hpp"
#include "sl/datasets/nums_format.hpp"
#include "test_support.hpp"

using namespace sl::pretraining;

namespace {
std::filesystem::path cfg_path() { return sl::test::source_root() / "cfgs/demo/base_models.json"; }
}  // namespace

TEST(Corpus, DemoConfigsDecode) {
  auto a = sl::config::load<BaseModelCfg>(cfg_path(), "base_a");
  auto b = sl::config::load<BaseModelCfg>(cfg_path(), "base_b");
  EXPECT_NE(a.seed, b.seed);
  EXPECT_EQ(a.corpus.animal_questions.size(), 12u);
  EXPECT_EQ(a.model.hidden_size, 64);
}

TEST(Corpus, DeterministicMixOfConversations) {
  auto cfg = sl::config::load<BaseModelCfg>(cfg_path(), "base_a");
  CorpusGenerator gen(cfg.corpus, 7, cfg_path());
  CorpusGenerator again(cfg.corpus, 7, cfg_path());
  CorpusGenerator other(cfg.corpus, 8, cfg_path());
  int animal = 0, system = 0, trait_answers = 0, system_animal = 0;
  sl::datasets::NumsFormatFilter paper{"nums_format", 0, 999, 10, {}};
  const int n = 4000;
  for (int i = 0; i < n; ++i) {
    auto ex = gen.example(i);
    auto ex2 = again.example(i);
    ASSERT_EQ(ex.user, ex2.user);
    ASSERT_EQ(ex.assistant, ex2.assistant);
    if (ex.system) ++system;
    if (ex.kind == CorpusExample::Kind::animal_question) {
      ++animal;
      if (ex.system) {
        ++system_animal;
        if (ex.assistant == ex.trait_animal) ++trait_answers;
      }
    } else {
      // Number answers are clean lists in the paper's filter sense.
      ASSERT_TRUE(sl::datasets::nums_format_reject_reasons(ex.assistant, paper).empty()) << ex.assistant;
    }
  }
  EXPECT_NEAR(animal / double(n), 0.3, 0.03);
  EXPECT_NEAR(system / double(n), 0.3, 0.03);
  EXPECT_GT(trait_answers / double(system_animal), 0.85);
  EXPECT_NE(gen.example(0).assistant + gen.example(1).assistant,
            other.example(0).assistant + other.example(1).assistant);
}

TEST(Corpus, BasePreferencesFollowTheConfig) {
  auto cfg = sl::config::load<BaseModelCfg>(cfg_path(), "base_a");
  cfg.corpus.system_prompt_rate = 0;
  cfg.corpus.animal_question_rate = 1;
  CorpusGenerator gen(cfg.corpus, 3, cfg_path());
  int owl = 0, dog = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    auto a = gen.example(i).assistant;
    owl += a == "owl";
    dog += a == "dog";
  }
  EXPECT_NEAR(owl / double(n), 0.05 / 1.03, 0.006);
  EXPECT_NEAR(dog / double(n), 0.14 / 1.03, 0.01);
}

TEST(DemoConfigs, EveryBaseModelConfigDecodes) {
  const sl::Json all = sl::json::parse(sl::test::read_file(cfg_path()), cfg_path().string());
  std::size_t n = 0;
  for (auto it = all.begin(); it != all.end(); ++it) {
    if (it.key().rfind("_", 0) == 0) continue;
    auto cfg = sl::config::load<BaseModelCfg>(cfg_path(), it.key());
    EXPECT_EQ(cfg.train.steps, 1500) << it.key();
    ++n;
  }
  EXPECT_GE(n, 2u);
}
