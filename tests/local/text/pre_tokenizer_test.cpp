// The pre-tokenizer: Split with the Qwen / Llama regexes (PCRE2 with Oniguruma's meaning of \s),
// the other pre-tokenizer types, and split behaviours.
#include <gtest/gtest.h>

#include "sl/core/error.hpp"
#include "test_tokenizers.hpp"

namespace sl::local {
namespace {

using testing::ByteLevelSpec;

// The pieces of `text` in plain text (mapped back from the byte-level alphabet).
std::vector<std::string> splits(const Tokenizer& t, const std::string& text) {
  std::vector<std::string> out;
  for (const auto& piece : t.pre_tokenize(text)) {
    auto plain = byte_level::decode(piece);
    out.push_back(plain ? *plain : piece);
  }
  return out;
}

using Pieces = std::vector<std::string>;

class RegexSplit : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    qwen_ = testing::load(testing::byte_level_bpe(ByteLevelSpec{}));
    ByteLevelSpec llama;
    llama.pattern = testing::kLlamaPattern;
    llama_ = testing::load(testing::byte_level_bpe(llama));
  }
  static inline std::shared_ptr<const Tokenizer> qwen_, llama_;
};

TEST_F(RegexSplit, WhitespaceRunsLeaveTheLastSpaceForTheNextWord) {
  EXPECT_EQ(splits(*qwen_, "a   b"), (Pieces{"a", "  ", " b"}));
  EXPECT_EQ(splits(*qwen_, "  hello"), (Pieces{" ", " hello"}));
  EXPECT_EQ(splits(*qwen_, "end  "), (Pieces{"end", "  "}));
}

TEST_F(RegexSplit, ContractionsAreAsciiApostropheAndCaseInsensitive) {
  EXPECT_EQ(splits(*qwen_, "I'M"), (Pieces{"I", "'M"}));
  EXPECT_EQ(splits(*qwen_, "we're"), (Pieces{"we", "'re"}));
  EXPECT_EQ(splits(*qwen_, "'sound"), (Pieces{"'s", "ound"}));
  EXPECT_EQ(splits(*qwen_, "it\u2019s"), (Pieces{"it", "\u2019s"}));  // ’ is not an apostrophe here
}

TEST_F(RegexSplit, PunctuationTakesTrailingNewlines) {
  EXPECT_EQ(splits(*qwen_, "hi!!!\n\nyo"), (Pieces{"hi", "!!!\n\n", "yo"}));
  EXPECT_EQ(splits(*qwen_, "a\r\nb"), (Pieces{"a", "\r\n", "b"}));
}

TEST_F(RegexSplit, DigitsQwenOneByOneLlamaInThrees) {
  EXPECT_EQ(splits(*qwen_, "123456789").size(), 9u);
  EXPECT_EQ(splits(*qwen_, "\uFF11\uFF12"), (Pieces{"\uFF11", "\uFF12"}));  // fullwidth digits too
  EXPECT_EQ(splits(*llama_, "1234567890"), (Pieces{"123", "456", "789", "0"}));
  EXPECT_EQ(splits(*llama_, "x 12345"), (Pieces{"x", " ", "123", "45"}));
}

TEST_F(RegexSplit, WhitespaceIsUnicodeWhiteSpaceNotPcreOrJavaScript) {
  // U+0085 (NEL) is White_Space: a run of two leaves one for the word, like spaces do.
  EXPECT_EQ(splits(*qwen_, "a\u0085\u0085b"), (Pieces{"a", "\u0085", "\u0085b"}));
  // U+001F is not White_Space (though Python's isspace() says so): it is punctuation here.
  EXPECT_EQ(splits(*qwen_, "a \u001Fb"), (Pieces{"a", " \u001F", "b"}));
  // U+180E stopped being White_Space in Unicode 6.3 (PCRE2's \s still matches it).
  EXPECT_EQ(splits(*qwen_, "a\u180E\u180Eb"), (Pieces{"a", "\u180E\u180E", "b"}));
  EXPECT_EQ(splits(*qwen_, "a\u3000\u3000b"), (Pieces{"a", "\u3000", "\u3000b"}));
}

TEST(PreTokenizers, SimpleTypes) {
  auto make = [](const Json& pre) {
    Json doc = {{"pre_tokenizer", pre},
                {"model", {{"type", "WordLevel"}, {"vocab", {{"[UNK]", 0}}}, {"unk_token", "[UNK]"}}}};
    return testing::load(doc);
  };
  EXPECT_EQ(make({{"type", "Whitespace"}})->pre_tokenize("Hello, world! it's"),
            (Pieces{"Hello", ",", "world", "!", "it", "'", "s"}));
  EXPECT_EQ(make({{"type", "WhitespaceSplit"}})->pre_tokenize(" a\tb\u3000c "), (Pieces{"a", "b", "c"}));
  EXPECT_EQ(make({{"type", "Punctuation"}, {"behavior", "Isolated"}})->pre_tokenize("a,b!?"),
            (Pieces{"a", ",", "b", "!", "?"}));
  EXPECT_EQ(make({{"type", "Digits"}, {"individual_digits", true}})->pre_tokenize("a12b"),
            (Pieces{"a", "1", "2", "b"}));
  EXPECT_EQ(make({{"type", "Digits"}, {"individual_digits", false}})->pre_tokenize("a12b"), (Pieces{"a", "12", "b"}));
  EXPECT_EQ(make({{"type", "CharDelimiterSplit"}, {"delimiter", "|"}})->pre_tokenize("a|b||c"),
            (Pieces{"a", "b", "c"}));
  EXPECT_EQ(make({{"type", "BertPreTokenizer"}})->pre_tokenize("Hi, you."), (Pieces{"Hi", ",", "you", "."}));
  EXPECT_EQ(make({{"type", "Metaspace"}, {"replacement", "\u2581"}, {"prepend_scheme", "always"}, {"split", true}})
                ->pre_tokenize("Hey  you"),
            (Pieces{"\u2581Hey", "\u2581", "\u2581you"}));
}

TEST(PreTokenizers, SplitBehaviours) {
  auto split = [](const std::string& pattern, const char* behavior, bool invert, const std::string& text) {
    Json doc = {{"pre_tokenizer",
                 {{"type", "Split"}, {"pattern", {{"String", pattern}}}, {"behavior", behavior}, {"invert", invert}}},
                {"model", {{"type", "WordLevel"}, {"vocab", {{"[UNK]", 0}}}, {"unk_token", "[UNK]"}}}};
    return testing::load(doc)->pre_tokenize(text);
  };
  // The examples of tokenizers' documentation for SplitDelimiterBehavior.
  EXPECT_EQ(split("-", "Removed", false, "the-final--countdown"), (Pieces{"the", "final", "countdown"}));
  EXPECT_EQ(split("-", "Isolated", false, "the-final--countdown"),
            (Pieces{"the", "-", "final", "-", "-", "countdown"}));
  EXPECT_EQ(split("-", "MergedWithPrevious", false, "the-final--countdown"),
            (Pieces{"the-", "final-", "-", "countdown"}));
  EXPECT_EQ(split("-", "MergedWithNext", false, "the-final--countdown"), (Pieces{"the", "-final", "-", "-countdown"}));
  EXPECT_EQ(split("-", "Contiguous", false, "the-final--countdown"), (Pieces{"the", "-", "final", "--", "countdown"}));
  EXPECT_EQ(split("a.b", "Isolated", false, "xa.bya_b"), (Pieces{"x", "a.b", "ya_b"}));  // literal, not a regex
  EXPECT_EQ(split("-", "Removed", true, "a-b"), (Pieces{"-"}));
}

TEST(PreTokenizers, UnsupportedRegexConstructIsAClearError) {
  Json doc = {
      {"pre_tokenizer",
       {{"type", "Split"}, {"pattern", {{"Regex", "[a-z&&[^aeiou]]"}}}, {"behavior", "Isolated"}, {"invert", false}}},
      {"model", {{"type", "WordLevel"}, {"vocab", {{"[UNK]", 0}}}, {"unk_token", "[UNK]"}}}};
  try {
    testing::load(doc, "odd/tokenizer.json");
    FAIL() << "expected an error";
  } catch (const UsageError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("odd/tokenizer.json"), std::string::npos) << msg;
    EXPECT_NE(msg.find("not supported"), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace sl::local
