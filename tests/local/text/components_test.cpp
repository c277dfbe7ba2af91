// Other tokenizer.json components (what small custom tokenizers use) and loading errors.
#include <gtest/gtest.h>

#include "sl/core/error.hpp"
#include "sl/local/text/tokenizer.hpp"
#include "test_tokenizers.hpp"

namespace sl::local {
namespace {

using Ids = std::vector<std::int32_t>;

Json word_level(Json pre_tokenizer, Json normalizer = nullptr, Json decoder = nullptr) {
  return {{"version", "1.0"},
          {"added_tokens", Json::array({testing::added(0, "[UNK]", true), testing::added(1, "<eos>", true)})},
          {"normalizer", normalizer},
          {"pre_tokenizer", pre_tokenizer},
          {"post_processor", nullptr},
          {"decoder", decoder},
          {"model",
           {{"type", "WordLevel"},
            {"vocab", {{"[UNK]", 0}, {"<eos>", 1}, {"the", 2}, {"owl", 3}, {"flies", 4}, {".", 5}, {"7", 6}}},
            {"unk_token", "[UNK]"}}}};
}

std::string expect_usage_error(const Json& doc, const std::string& origin) {
  try {
    testing::load(doc, origin);
  } catch (const UsageError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected sl::UsageError";
  return "";
}

TEST(WordLevel, TheDemoModelStyleTokenizer) {
  auto t = testing::load(word_level({{"type", "Whitespace"}}, {{"type", "Lowercase"}}));
  EXPECT_EQ(t->encode("The owl flies."), (Ids{2, 3, 4, 5}));
  EXPECT_EQ(t->encode("the cat<eos>"), (Ids{2, 0, 1}));               // unknown word -> [UNK]; <eos> is added
  EXPECT_EQ(t->decode(Ids{2, 3, 4, 5, 1}), "the owl flies . <eos>");  // no decoder: joined with spaces
  EXPECT_EQ(t->decode(Ids{2, 3, 1}, true), "the owl");
  EXPECT_EQ(t->vocab_size(), 7u);
  EXPECT_EQ(t->token_to_id("owl"), std::optional<std::int32_t>(3));
  EXPECT_FALSE(t->token_to_id("cat").has_value());
}

TEST(WordLevel, MissingUnkTokenIsARuntimeError) {
  Json doc = word_level({{"type", "WhitespaceSplit"}});
  doc["model"]["unk_token"] = "<nope>";
  auto t = testing::load(doc);
  EXPECT_THROW(t->encode("cat"), Error);
}

TEST(WordPiece, GreedyLongestMatchWithContinuationPrefix) {
  Json doc = {{"normalizer", {{"type", "Lowercase"}}},
              {"pre_tokenizer", {{"type", "BertPreTokenizer"}}},
              {"model",
               {{"type", "WordPiece"},
                {"unk_token", "[UNK]"},
                {"continuing_subword_prefix", "##"},
                {"max_input_chars_per_word", 100},
                {"vocab", {{"[UNK]", 0}, {"un", 1}, {"##aff", 2}, {"##able", 3}, {"play", 4}, {"!", 5}}}}},
              {"decoder", {{"type", "WordPiece"}, {"prefix", "##"}, {"cleanup", true}}}};
  auto t = testing::load(doc);
  EXPECT_EQ(t->encode("Unaffable play!"), (Ids{1, 2, 3, 4, 5}));
  EXPECT_EQ(t->encode("xyz"), (Ids{0}));
  EXPECT_EQ(t->decode(Ids{1, 2, 3, 4, 5}), "unaffable play!");
}

TEST(Normalizers, StripReplacePrependNfkc) {
  auto t = testing::load(word_level(
      {{"type", "WhitespaceSplit"}},
      {{"type", "Sequence"},
       {"normalizers", Json::array({Json{{"type", "Strip"}, {"strip_left", true}, {"strip_right", true}},
                                    Json{{"type", "Replace"}, {"pattern", {{"String", "fly"}}}, {"content", "owl"}},
                                    Json{{"type", "NFKC"}}})}}));
  EXPECT_EQ(t->pre_tokenize("  the fly \u2466 "), (std::vector<std::string>{"the", "owl", "7"}));
  auto p = testing::load(word_level(nullptr, {{"type", "Prepend"}, {"prepend", "\u2581"}}));
  EXPECT_EQ(p->pre_tokenize("x"), (std::vector<std::string>{"\u2581x"}));
}

TEST(Decoders, ChainOfStringDecoders) {
  auto decode = [](Json decoder, const Json& vocab, Ids ids) {
    Json doc = {{"model", {{"type", "WordLevel"}, {"vocab", vocab}, {"unk_token", "u"}}}, {"decoder", decoder}};
    return testing::load(doc)->decode(ids);
  };
  Json vocab = {{"u", 0}, {"\u2581hi", 1}, {"<0xE2>", 2}, {"<0x82>", 3}, {"<0xAC>", 4}, {"x</w>", 5}, {"__y", 6}};
  Json llama2 = {
      {"type", "Sequence"},
      {"decoders", Json::array({Json{{"type", "Replace"}, {"pattern", {{"String", "\u2581"}}}, {"content", " "}},
                                Json{{"type", "ByteFallback"}}, Json{{"type", "Fuse"}},
                                Json{{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}})}};
  EXPECT_EQ(decode(llama2, vocab, Ids{1, 2, 3, 4, 1}), "hi\u20AC hi");
  EXPECT_EQ(decode(llama2, vocab, Ids{1, 2, 3, 1}), "hi\uFFFD\uFFFD hi");  // invalid bytes: one each
  EXPECT_EQ(decode({{"type", "BPEDecoder"}, {"suffix", "</w>"}}, vocab, Ids{5, 5}), "x x");
  EXPECT_EQ(decode({{"type", "Metaspace"}, {"replacement", "\u2581"}, {"prepend_scheme", "always"}}, vocab, Ids{1, 1}),
            "hi hi");
}

TEST(Loading, UnknownComponentTypesNameTheTypeAndTheFile) {
  Json doc = word_level({{"type", "Whitespace"}});
  Json bad = doc;
  bad["normalizer"] = {{"type", "Precompiled"}, {"precompiled_charsmap", "AAAA"}};
  std::string msg = expect_usage_error(bad, "models/x/tokenizer.json");
  EXPECT_NE(msg.find("models/x/tokenizer.json"), std::string::npos) << msg;
  EXPECT_NE(msg.find("normalizer type \"Precompiled\""), std::string::npos) << msg;

  bad = doc;
  bad["pre_tokenizer"] = {{"type", "Sequence"}, {"pretokenizers", Json::array({Json{{"type", "UnicodeScripts"}}})}};
  msg = expect_usage_error(bad, "t.json");
  EXPECT_NE(msg.find("pre_tokenizer type \"UnicodeScripts\" (at pre_tokenizer.pretokenizers[0])"), std::string::npos)
      << msg;

  bad = doc;
  bad["model"] = {{"type", "Unigram"}, {"vocab", Json::array()}};
  EXPECT_NE(expect_usage_error(bad, "t.json").find("model type \"Unigram\""), std::string::npos);
  bad = doc;
  bad["decoder"] = {{"type", "CTC"}};
  EXPECT_NE(expect_usage_error(bad, "t.json").find("decoder type \"CTC\""), std::string::npos);
  bad = doc;
  bad["post_processor"] = {{"type", "Mystery"}};
  EXPECT_NE(expect_usage_error(bad, "t.json").find("post_processor type \"Mystery\""), std::string::npos);
}

TEST(Loading, MalformedFilesAreClearErrors) {
  std::string msg;
  try {
    Tokenizer::from_json_text("{\"model\": ", "broken.json");
  } catch (const UsageError& e) {
    msg = e.what();
  }
  EXPECT_NE(msg.find("broken.json: not valid JSON"), std::string::npos) << msg;
  Json doc = word_level({{"type", "Whitespace"}});
  doc["model"]["vocab"]["owl"] = "three";
  msg = expect_usage_error(doc, "v.json");
  EXPECT_NE(msg.find("v.json: model.vocab: \"owl\": expected a token id"), std::string::npos) << msg;
  doc = word_level({{"type", "Whitespace"}});
  doc.erase("model");
  EXPECT_NE(expect_usage_error(doc, "m.json").find("missing \"model\""), std::string::npos);
  EXPECT_THROW(Tokenizer::from_file("/nonexistent/tokenizer.json"), UsageError);
}

TEST(Encoding, InvalidUtf8InputIsAUsageError) {
  auto t = testing::load(word_level({{"type", "Whitespace"}}));
  try {
    t->encode("the \xC3(");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("byte offset 4"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace sl::local
