// The BPE model: merges by rank (leftmost first), ignore_merges, both merge spellings, errors.
#include <gtest/gtest.h>

#include "sl/core/error.hpp"
#include "test_tokenizers.hpp"

namespace sl::local {
namespace {

using testing::ByteLevelSpec;

std::vector<std::string> tokens(const Tokenizer& t, const std::string& text) {
  std::vector<std::string> out;
  for (auto id : t.encode(text)) out.push_back(*byte_level::decode(t.id_to_token(id)));
  return out;
}

using Strings = std::vector<std::string>;

TEST(Bpe, LowestRankMergesFirst) {
  ByteLevelSpec ab_first;
  ab_first.merges = {{"a", "b"}, {"b", "c"}};
  EXPECT_EQ(tokens(*testing::load(testing::byte_level_bpe(ab_first)), "abc"), (Strings{"ab", "c"}));
  ByteLevelSpec bc_first;
  bc_first.merges = {{"b", "c"}, {"a", "b"}};
  EXPECT_EQ(tokens(*testing::load(testing::byte_level_bpe(bc_first)), "abc"), (Strings{"a", "bc"}));
}

TEST(Bpe, EqualPairsMergeLeftmostFirstAndChain) {
  ByteLevelSpec spec;
  spec.merges = {{"a", "a"}, {"aa", "a"}};
  auto t = testing::load(testing::byte_level_bpe(spec));
  EXPECT_EQ(tokens(*t, "aaaa"), (Strings{"aa", "aa"}));
  EXPECT_EQ(tokens(*t, "aaa"), (Strings{"aaa"}));
  EXPECT_EQ(tokens(*t, "aaaaa"), (Strings{"aa", "aaa"}));  // aa|aa|a, then (aa, a) at the right
  // The same piece again comes from the cache and must agree.
  EXPECT_EQ(tokens(*t, "aaaaa aaaaa"), (Strings{"aa", "aaa", " ", "aa", "aaa"}));
}

TEST(Bpe, SpaceMergesAndLongPieces) {
  ByteLevelSpec spec;
  spec.merges = {{" ", " "}, {"  ", "  "}, {" ", "w"}};
  auto t = testing::load(testing::byte_level_bpe(spec));
  EXPECT_EQ(tokens(*t, "     w"), (Strings{"    ", " w"}));
  std::string long_run(100000, ' ');
  auto ids = t->encode(long_run);
  EXPECT_EQ(ids.size(), 25000u);  // "    " x 25000, in O(n log n)
  EXPECT_EQ(t->decode(ids), long_run);
}

TEST(Bpe, IgnoreMergesUsesAWholePieceFromTheVocabulary) {
  ByteLevelSpec spec;
  spec.merges = {{"a", "b"}};
  spec.extra_tokens = {"abc"};
  EXPECT_EQ(tokens(*testing::load(testing::byte_level_bpe(spec)), "abc"), (Strings{"ab", "c"}));
  spec.ignore_merges = true;
  auto t = testing::load(testing::byte_level_bpe(spec));
  EXPECT_EQ(tokens(*t, "abc"), (Strings{"abc"}));
  EXPECT_EQ(tokens(*t, "abcd"), (Strings{"ab", "c", "d"}));  // not in the vocabulary: merges apply
}

TEST(Bpe, MergesAsStringsOrPairsLoadTheSame) {
  ByteLevelSpec pairs;
  pairs.merges = {{"h", "e"}, {"l", "l"}, {"he", "ll"}, {" ", "w"}};
  ByteLevelSpec strings = pairs;
  strings.merges_as_pairs = false;
  auto a = testing::load(testing::byte_level_bpe(pairs));
  auto b = testing::load(testing::byte_level_bpe(strings));
  EXPECT_EQ(a->encode("hello world"), b->encode("hello world"));
  EXPECT_EQ(tokens(*a, "hello world"), (Strings{"hell", "o", " w", "o", "r", "l", "d"}));
}

TEST(Bpe, BadMergeIsAClearError) {
  Json doc = testing::byte_level_bpe(ByteLevelSpec{});
  doc["model"]["merges"] = Json::array({Json::array({"x", "\xE4\xBD\xA0"})});
  try {
    testing::load(doc, "m/tokenizer.json");
    FAIL() << "expected an error";
  } catch (const UsageError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("m/tokenizer.json: model.merges[0]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("not in the vocabulary"), std::string::npos) << msg;
  }
  doc["model"]["merges"] = Json::array({"a b c"});
  EXPECT_THROW(testing::load(doc), UsageError);
  doc["model"]["merges"] = Json::array();
  doc["model"]["dropout"] = 0.1;
  EXPECT_THROW(testing::load(doc), UsageError);
}

TEST(Bpe, TemplatePostProcessorAddsBosOnlyWhenAsked) {
  ByteLevelSpec spec;
  spec.added_tokens = Json::array({testing::added(300, "<s>", true)});
  spec.post_processor = {{"type", "TemplateProcessing"},
                         {"single", Json::array({Json{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
                                                 Json{{"Sequence", {{"id", "A"}, {"type_id", 0}}}}})},
                         {"pair", Json::array()},
                         {"special_tokens", {{"<s>", {{"id", "<s>"}, {"ids", {300}}, {"tokens", {"<s>"}}}}}}};
  auto t = testing::load(testing::byte_level_bpe(spec));
  EXPECT_EQ(t->encode("a", true), (std::vector<std::int32_t>{300, testing::id_of(*t, "a")}));
  EXPECT_EQ(t->encode("a", false), (std::vector<std::int32_t>{testing::id_of(*t, "a")}));
  EXPECT_EQ(t->vocab_size(), 301u);
}

}  // namespace
}  // namespace sl::local
