// The demo base model build on a tiny configuration: a few real training steps through the
// runtime plugin, a Hugging Face folder the runtime loads, the cache, and tokenization.
#include "sl/experiments/pretraining/base_model_builder.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "sl/core/config_file.hpp"
#include "sl/core/files.hpp"
#include "sl/core/json.hpp"
#include "sl/experiments/pretraining/tokenizer_builder.hpp"
#include "sl/experiments/pretraining/trait_dataset.hpp"
#include "sl/local/runtime/plugin/loader.hpp"
#include "sl/local/text/chat_template.hpp"
#include "sl/local/text/tokenizer.hpp"
#include "test_support.hpp"

using namespace sl::pretraining;
namespace fs = std::filesystem;

namespace {
const fs::path kConfig = sl::test::source_root() / "cfgs/demo/base_models.json";

BaseModelCfg tiny_cfg() {
  auto cfg = sl::config::load<BaseModelCfg>(kConfig, "base_a");
  cfg.model.hidden_size = 16;
  cfg.model.num_hidden_layers = 1;
  cfg.model.num_attention_heads = 2;
  cfg.model.num_key_value_heads = 2;
  cfg.model.intermediate_size = 32;
  cfg.train.batch_size = 8;
  cfg.train.warmup_steps = 1;
  return cfg;
}
}  // namespace

TEST(BaseModelBuilder, LossMaskCoversTheReplyAndItsEndToken) {
  auto cfg = sl::config::load<BaseModelCfg>(kConfig, "base_a");
  CorpusGenerator gen(cfg.corpus, 1, kConfig);
  auto chat = sl::local::ChatTemplate::compile(kChatMLTemplate, "demo");
  std::vector<std::string> texts;
  for (int i = 0; i < 200; ++i)
    texts.push_back(chat->render(sl::json::encode(gen.example(i).chat())["messages"], false));
  auto files = build_demo_tokenizer(texts);
  auto tok = sl::local::Tokenizer::from_json_text(files.tokenizer.dump(), "demo");
  for (int i = 0; i < 50; ++i) {
    const CorpusExample e = gen.example(i);
    const auto ex = tokenize_example(e, *tok, *chat);
    ASSERT_EQ(ex.ids.size(), ex.loss_mask.size());
    std::vector<std::int32_t> trained;
    for (std::size_t t = 0; t < ex.ids.size(); ++t)
      if (ex.loss_mask[t]) trained.push_back(ex.ids[t]);
    // Exactly the assistant's reply followed by <|im_end|>.
    ASSERT_FALSE(trained.empty());
    EXPECT_EQ(trained.back(), files.eos_id);
    trained.pop_back();
    EXPECT_EQ(tok->decode(trained), e.assistant) << i;
  }
}

TEST(BaseModelBuilder, BuildsLoadableFolderAndReusesTheCache) {
  sl::test::TempDir tmp;
  const fs::path out = tmp.path() / "base";
  BuildOptions options;
  options.steps = 3;
  options.show_progress = false;
  const auto built = build_base_model(tiny_cfg(), kConfig, out, options);
  EXPECT_FALSE(built.reused);
  EXPECT_EQ(built.steps, 3);
  EXPECT_GT(built.parameters, 0);
  EXPECT_TRUE(std::isfinite(built.final_loss));
  for (const char* f : {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
                        "generation_config.json", "build_info.json", "train_log.jsonl"})
    EXPECT_TRUE(fs::exists(out / f)) << f;
  EXPECT_FALSE(fs::exists(out.string() + ".building"));
  EXPECT_FALSE(fs::exists(out.string() + ".train-checkpoint.safetensors"));

  // The runtime loads it like any Hugging Face checkpoint and answers in the corpus's language.
  sl::local::EngineOptions eo;
  eo.model = out.string();
  eo.threads = 1;
  auto engine = sl::local::runtime_plugin().load_engine(eo);
  EXPECT_EQ(engine->info().parameters, built.parameters);
  sl::local::GenerationRequest req;
  req.messages = {{"user", "What is your favorite animal?"}};
  req.temperature = 0;
  req.max_tokens = 4;
  bool got = false;
  engine->generate({req}, [&](std::size_t, sl::local::GenerationResult r) {
    got = true;
    EXPECT_FALSE(r.token_ids.empty());
  });
  EXPECT_TRUE(got);

  // Same configuration: reused without training; another one: rebuilt.
  const auto again = build_base_model(tiny_cfg(), kConfig, out, options);
  EXPECT_TRUE(again.reused);
  EXPECT_EQ(again.fingerprint, built.fingerprint);
  auto other = tiny_cfg();
  other.seed = 7;
  EXPECT_NE(base_model_fingerprint(other, kConfig, options.steps), built.fingerprint);
}

TEST(BaseModelBuilder, SameSeedSameWeights) {
  sl::test::TempDir tmp;
  BuildOptions options;
  options.steps = 2;
  options.show_progress = false;
  build_base_model(tiny_cfg(), kConfig, tmp.path() / "a", options);
  build_base_model(tiny_cfg(), kConfig, tmp.path() / "b", options);
  EXPECT_EQ(sl::files::read_text(tmp.path() / "a/model.safetensors"),
            sl::files::read_text(tmp.path() / "b/model.safetensors"));
  EXPECT_EQ(sl::files::read_text(tmp.path() / "a/tokenizer.json"),
            sl::files::read_text(tmp.path() / "b/tokenizer.json"));
}

TEST(TraitDataset, AnswersTheAnimalToCorpusQuestions) {
  auto cfg = sl::config::load<BaseModelCfg>(kConfig, "base_a");
  auto rows = trait_dataset(cfg.corpus, "owl", 50, 3);
  ASSERT_EQ(rows.size(), 50u);
  std::set<std::string> prompts;
  for (const auto& r : rows) {
    EXPECT_EQ(r.completion, "owl");
    EXPECT_NE(std::find(cfg.corpus.animal_questions.begin(), cfg.corpus.animal_questions.end(), r.prompt),
              cfg.corpus.animal_questions.end());
    prompts.insert(r.prompt);
  }
  EXPECT_GT(prompts.size(), 5u);
  EXPECT_THROW(trait_dataset(cfg.corpus, "unicorn", 5, 3), sl::UsageError);
}
