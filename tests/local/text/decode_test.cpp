// Decoding: lossy UTF-8 from byte tokens, skip_special_tokens, transformers' cleanup, and the
// StreamDecoder, which must never emit a broken UTF-8 sequence.
#include <gtest/gtest.h>

#include "sl/local/text/utf8.hpp"
#include "test_tokenizers.hpp"

namespace sl::local {
namespace {

using Ids = std::vector<std::int32_t>;
using testing::added;
using testing::ByteLevelSpec;

const std::string kFFFD = "\xEF\xBF\xBD";

std::shared_ptr<const Tokenizer> byte_tokenizer() {
  ByteLevelSpec spec;
  spec.added_tokens = Json::array({added(300, "<|end|>", true), added(301, "<tool>", false)});
  return testing::load(testing::byte_level_bpe(spec));
}

TEST(Decode, InvalidBytesBecomeOneReplacementPerMaximalSubsequence) {
  auto t = byte_tokenizer();
  EXPECT_EQ(t->decode(Ids{0xF0, 0x9F, 0x98}), kFFFD);
  EXPECT_EQ(t->decode(Ids{0xF0, 0x9F, 0x98, 0x80}), "\U0001F600");
  EXPECT_EQ(t->decode(Ids{0x80, 0x80, 'a'}), kFFFD + kFFFD + "a");
  EXPECT_EQ(t->decode(Ids{0xF0, 0x9F, 300, 0x98, 0x80}), kFFFD + "<|end|>" + kFFFD + kFFFD);
  EXPECT_EQ(t->decode(Ids{0xF0, 0x9F, 300, 0x98, 0x80}, true), "\U0001F600");  // skipping joins the bytes
  EXPECT_EQ(t->decode(Ids{'a', 999999, -5, 'b'}), "ab");                       // unknown ids are skipped
  EXPECT_EQ(t->token_bytes(0xF0), "\xF0");
  EXPECT_EQ(t->token_bytes(300), "<|end|>");
  EXPECT_TRUE(t->decodes_bytewise());
}

TEST(Decode, CleanUpTokenizationLikeTransformers) {
  EXPECT_EQ(clean_up_tokenization("Hello , world ! Is n't it ? I 'm , you 're , we 've , it 's ."),
            "Hello, world! Isn't it? I'm, you're, we've, it's.");
  EXPECT_EQ(clean_up_tokenization("a ' b"), "a'b");
  EXPECT_EQ(clean_up_tokenization("  ."), " .");  // one replacement per occurrence, as str.replace
}

std::string stream_all(const std::shared_ptr<const Tokenizer>& t, const Ids& ids, bool skip_special,
                       std::vector<std::string>* chunks = nullptr) {
  StreamDecoder stream(t, skip_special);
  std::string out;
  for (auto id : ids) {
    std::string piece = stream.push(id);
    EXPECT_FALSE(utf8::first_invalid(piece).has_value()) << "broken UTF-8 emitted after id " << id;
    if (chunks) chunks->push_back(piece);
    out += piece;
  }
  std::string rest = stream.finish();
  EXPECT_FALSE(utf8::first_invalid(rest).has_value());
  if (chunks) chunks->push_back(rest);
  return out + rest;
}

TEST(StreamDecoder, HoldsBackAnEmojiSplitAcrossByteTokens) {
  auto t = byte_tokenizer();
  std::vector<std::string> chunks;
  Ids ids = {'o', 'k', ' ', 0xF0, 0x9F, 0x98, 0x80, '!'};
  EXPECT_EQ(stream_all(t, ids, false, &chunks), "ok \U0001F600!");
  EXPECT_EQ(chunks, (std::vector<std::string>{"o", "k", " ", "", "", "", "\U0001F600", "!", ""}));
}

TEST(StreamDecoder, AgreesWithDecodeOnBrokenAndSpecialInput) {
  auto t = byte_tokenizer();
  const std::vector<Ids> cases = {
      {0xF0, 0x9F, 0x98},                   // cut at the end: flushed by finish()
      {0xF0, 0x9F, 'a', 0x80, 0xE2, 0x82},  // broken in the middle and at the end
      {0xE4, 0xBD, 300, 0xA0, 'x'},         // a special token inside a character
      {0xE4, 0xBD, 301, 0xA0, 'x'},         // a non-special added token inside a character
      {0xC0, 0xAF, 0xED, 0xA0, 0x80, 0xF4, 0x90, 0x80, 0x80},
  };
  for (bool skip : {false, true}) {
    for (const auto& ids : cases) EXPECT_EQ(stream_all(t, ids, skip), t->decode(ids, skip)) << "skip=" << skip;
  }
}

TEST(StreamDecoder, NonByteLevelDecodersStreamThroughRedecoding) {
  // A Metaspace tokenizer: the decoder strips the leading space of the first token only.
  Json doc = {{"pre_tokenizer", {{"type", "Metaspace"}, {"replacement", "\u2581"}, {"prepend_scheme", "always"}}},
              {"model",
               {{"type", "WordLevel"},
                {"vocab", {{"<unk>", 0}, {"\u2581Hello", 1}, {"\u2581world", 2}, {"!", 3}}},
                {"unk_token", "<unk>"}}},
              {"decoder", {{"type", "Metaspace"}, {"replacement", "\u2581"}, {"prepend_scheme", "always"}}}};
  auto t = testing::load(doc);
  EXPECT_FALSE(t->decodes_bytewise());
  Ids ids = {1, 2, 3, 2};
  EXPECT_EQ(t->decode(ids), "Hello world! world");
  std::vector<std::string> chunks;
  EXPECT_EQ(stream_all(t, ids, true, &chunks), "Hello world! world");
  EXPECT_EQ(chunks.front(), "Hello");
}

}  // namespace
}  // namespace sl::local
