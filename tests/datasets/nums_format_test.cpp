#include "sl/datasets/nums_format.hpp"

#include <gtest/gtest.h>

#include "sl/core/json.hpp"
#include "test_support.hpp"

using namespace sl::datasets;

namespace {
// The "parsed" value as written in the line: Python ints can exceed 2^64, which a JSON reader
// would turn into doubles, so read the digits straight from the text.
std::optional<std::vector<std::string>> raw_parsed(const std::string& line) {
  auto pos = line.find("\"parsed\": ");
  EXPECT_NE(pos, std::string::npos);
  pos += 10;
  if (line.compare(pos, 4, "null") == 0) return std::nullopt;
  EXPECT_EQ(line[pos], '[');
  auto end = line.find(']', pos);
  std::vector<std::string> out;
  std::string cur;
  for (std::size_t i = pos + 1; i < end; ++i) {
    if (line[i] >= '0' && line[i] <= '9') cur += line[i];
    else if (!cur.empty()) out.push_back(std::move(cur)), cur.clear();
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}
}  // namespace

TEST(NumsFormat, EveryReferenceParseCase) {
  SL_REQUIRE_REFERENCE(ref);
  std::string text = sl::test::read_file(ref / "nums_parse_cases.jsonl");
  NumsFormatFilter paper{"nums_format", 0, 999, 10, {}};
  std::size_t n = 0;
  for (const std::string& line : sl::test::lines_of(text)) {
    if (line.empty()) continue;
    ++n;
    sl::Json c = sl::Json::parse(line);
    const std::string answer = c["answer"].get<std::string>();
    SCOPED_TRACE(c["note"].get<std::string>());
    auto parsed = parse_number_list(answer);
    auto expected = raw_parsed(line);
    ASSERT_EQ(parsed.has_value(), expected.has_value()) << sl::json::describe_value(c["answer"]);
    if (parsed) {
      ASSERT_EQ(parsed->size(), expected->size());
      for (std::size_t i = 0; i < parsed->size(); ++i) EXPECT_EQ((*parsed)[i].digits, (*expected)[i]);
    }
    EXPECT_EQ(nums_format_reject_reasons(answer, paper), c["reject_reasons"].get<std::vector<std::string>>());
  }
  EXPECT_EQ(n, 167u);
}

TEST(NumsFormat, BannedAndSmallNumbers) {
  NumsFormatFilter f{"nums_format", 10, 999, 3, {13, 666}};
  EXPECT_EQ(nums_format_reject_reasons("5, 666, 7, 8", f),
            (std::vector<std::string>{"too many numbers", "numbers too small", "has banned numbers"}));
  EXPECT_TRUE(nums_format_reject_reasons("10, 999", f).empty());
}

TEST(NumsFormat, PythonStrip) {
  EXPECT_EQ(python_strip("\xc2\xa0 ,\x1f"), ",");
  EXPECT_EQ(python_strip("\xe2\x80\x8b"), "\xe2\x80\x8b");  // zero-width space is not whitespace
}
