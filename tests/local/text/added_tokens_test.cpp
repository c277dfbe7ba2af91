// Added and special tokens: matched first, leftmost-longest, on the raw text (or on the
// normalized text for normalized=true tokens), with lstrip / rstrip / single_word.
#include <gtest/gtest.h>

#include "test_tokenizers.hpp"

namespace sl::local {
namespace {

using Ids = std::vector<std::int32_t>;
using testing::added;
using testing::ByteLevelSpec;

// Byte tokens have id = byte value in the test tokenizers.
constexpr std::int32_t b(char c) { return static_cast<unsigned char>(c); }

TEST(AddedTokens, LeftmostLongestBeforeEverythingElse) {
  ByteLevelSpec spec;
  spec.added_tokens = Json::array({added(300, "<a>", true), added(301, "<a><b>", true), added(302, "<b>", true)});
  auto t = testing::load(testing::byte_level_bpe(spec));
  EXPECT_EQ(t->encode("<a><b><b>"), (Ids{301, 302}));
  EXPECT_EQ(t->encode("x<a>y"), (Ids{b('x'), 300, b('y')}));
  EXPECT_EQ(t->encode(" <a> "), (Ids{b(' '), 300, b(' ')}));   // no whitespace is absorbed
  EXPECT_EQ(t->encode("<a"), (Ids{b('<'), b('a')}));           // a near-miss is ordinary text
  EXPECT_EQ(t->encode("<A>"), (Ids{b('<'), b('A'), b('>')}));  // case matters
  EXPECT_EQ(t->token_to_id("<a><b>"), std::optional<std::int32_t>(301));
  EXPECT_EQ(t->id_to_token(302), "<b>");
}

TEST(AddedTokens, NonSpecialTokensAreMatchedAndKeptWhenSkippingSpecials) {
  ByteLevelSpec spec;
  spec.added_tokens = Json::array({added(300, "<|im_start|>", true), added(301, "<tool_call>", false)});
  auto t = testing::load(testing::byte_level_bpe(spec));
  Ids ids = t->encode("<|im_start|>hi<tool_call>");
  EXPECT_EQ(ids, (Ids{300, b('h'), b('i'), 301}));
  EXPECT_EQ(t->decode(ids, false), "<|im_start|>hi<tool_call>");
  EXPECT_EQ(t->decode(ids, true), "hi<tool_call>");
  EXPECT_TRUE(t->is_special(300));
  EXPECT_FALSE(t->is_special(301));
  EXPECT_FALSE(t->is_special(b('h')));
}

TEST(AddedTokens, LstripRstripAndSingleWord) {
  ByteLevelSpec spec;
  spec.added_tokens =
      Json::array({added(300, "<mask>", true, {{"lstrip", true}}), added(301, "<end>", true, {{"rstrip", true}}),
                   added(302, "ab", false, {{"single_word", true}})});
  auto t = testing::load(testing::byte_level_bpe(spec));
  EXPECT_EQ(t->encode("a <mask> b"), (Ids{b('a'), 300, b(' '), b('b')}));
  EXPECT_EQ(t->encode("x<end>  y"), (Ids{b('x'), 301, b('y')}));
  EXPECT_EQ(t->encode("x ab y"), (Ids{b('x'), b(' '), 302, b(' '), b('y')}));
  EXPECT_EQ(t->encode("xab"), (Ids{b('x'), b('a'), b('b')}));
  EXPECT_EQ(t->encode("ab_"), (Ids{b('a'), b('b'), b('_')}));
}

TEST(AddedTokens, RawTokensMatchBeforeNormalizationNormalizedOnesAfter) {
  ByteLevelSpec spec;
  spec.normalizer = {{"type", "Sequence"},
                     {"normalizers", Json::array({Json{{"type", "NFC"}}, Json{{"type", "Lowercase"}}})}};
  spec.added_tokens = Json::array({added(300, "e\u0301", true),  // raw: only the decomposed form
                                   added(301, "ABC", true), added(302, "HELLO", false, {{"normalized", true}})});
  auto t = testing::load(testing::byte_level_bpe(spec));
  EXPECT_EQ(t->encode("e\u0301"), (Ids{300}));
  EXPECT_EQ(t->encode("\u00E9"), (Ids{0xC3, 0xA9}));  // NFC text is ordinary BPE
  EXPECT_EQ(t->encode("ABC"), (Ids{301}));
  EXPECT_EQ(t->encode("HeLLo"), (Ids{302}));  // lowercased text matches the lowercased token
  EXPECT_EQ(t->encode("ABD"), (Ids{b('a'), b('b'), b('d')}));
}

}  // namespace
}  // namespace sl::local
