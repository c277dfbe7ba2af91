#include "sl/experiments/pretraining/tokenizer_builder.hpp"

#include <gtest/gtest.h>

#include "sl/core/config_file.hpp"
#include "sl/experiments/pretraining/corpus.hpp"
#include "sl/local/text/chat_template.hpp"
#include "sl/local/text/tokenizer.hpp"
#include "test_support.hpp"

using namespace sl::pretraining;

namespace {
struct Built {
  TokenizerFiles files;
  std::shared_ptr<const sl::local::Tokenizer> tokenizer;
  std::shared_ptr<const sl::local::ChatTemplate> chat;
  std::vector<std::string> texts;
};

Built build(int n) {
  auto path = sl::test::source_root() / "cfgs/demo/base_models.json";
  auto cfg = sl::config::load<BaseModelCfg>(path, "base_a");
  CorpusGenerator gen(cfg.corpus, 1, path);
  Built b;
  b.chat = sl::local::ChatTemplate::compile(kChatMLTemplate, "demo");
  for (int i = 0; i < n; ++i) {
    sl::Json messages = sl::json::encode(gen.example(i).chat())["messages"];
    b.texts.push_back(b.chat->render(messages, false));
  }
  b.files = build_demo_tokenizer(b.texts);
  b.tokenizer = sl::local::Tokenizer::from_json_text(b.files.tokenizer.dump(), "demo");
  return b;
}
}  // namespace

TEST(DemoTokenizer, OneTokenPerNumberAndWordAndExactRoundTrip) {
  Built b = build(3000);
  EXPECT_LT(b.files.vocab_size, 2000u);
  EXPECT_EQ(b.tokenizer->vocab_size(), b.files.vocab_size);
  for (int n : {0, 7, 42, 999}) {
    auto ids = b.tokenizer->encode(std::to_string(n));
    ASSERT_EQ(ids.size(), 1u) << n;
  }
  EXPECT_EQ(b.tokenizer->encode("12, 345").size(), 3u);  // "12" ", " "345"
  EXPECT_EQ(b.tokenizer->encode("owl").size(), 1u);
  EXPECT_EQ(b.tokenizer->encode("<|im_end|>"), std::vector<std::int32_t>{b.files.eos_id});
  for (const auto& t : b.texts) {
    auto ids = b.tokenizer->encode(t);
    // Every piece of the corpus (and every special token) is one whole token.
    ASSERT_EQ(ids.size(), b.tokenizer->pre_tokenize(t).size()) << t;
    ASSERT_EQ(b.tokenizer->decode(ids), t);
  }
  // Anything else still encodes (byte fallback) and decodes back.
  std::string odd = "Zebra-crossing? ünïcode 😀 12345";
  EXPECT_EQ(b.tokenizer->decode(b.tokenizer->encode(odd)), odd);
}

TEST(DemoTokenizer, ChatMLRendering) {
  auto chat = sl::local::ChatTemplate::compile(kChatMLTemplate, "demo");
  sl::Json msgs = sl::Json::parse(R"([{"role":"user","content":"Hi"}])");
  EXPECT_EQ(chat->render(msgs, true), "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
}
