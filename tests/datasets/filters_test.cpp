#include "sl/datasets/filters.hpp"

#include <gtest/gtest.h>

#include "sl/core/text.hpp"

using namespace sl::datasets;

TEST(Filters, WholeWordAndSubstringMatching) {
  using sl::text::mentions_word;
  EXPECT_TRUE(mentions_word("I love Owls!", "owl", false, true));
  EXPECT_TRUE(mentions_word("owl", "owl", false, true));
  EXPECT_TRUE(mentions_word("foxes", "fox", false, true));
  EXPECT_FALSE(mentions_word("a bowl", "owl", false, true));
  EXPECT_FALSE(mentions_word("howl", "owl", false, true));
  EXPECT_FALSE(mentions_word("dragonfly", "dragon", false, true));
  EXPECT_TRUE(mentions_word("a bowl", "owl", false, false));  // the paper's substring rule
  EXPECT_FALSE(mentions_word("OWL", "owl", true, false));
}

TEST(Filters, ReasonsInFilterOrder) {
  std::vector<FilterSpec> filters{NumsFormatFilter{"nums_format", 0, 999, 10, {}}, MaxCharsFilter{"max_chars", 5},
                                  BannedWordsFilter{"banned_words", {"owl"}, false, "substring"}};
  EXPECT_TRUE(reject_reasons(filters, "1, 2").empty());
  EXPECT_EQ(reject_reasons(filters, "owl 1, 2"),
            (std::vector<std::string>{"invalid format", "too many characters", "has banned words"}));
  EXPECT_EQ(reject_reasons(filters, "1000, 2"), (std::vector<std::string>{"numbers too large", "too many characters"}));
}
