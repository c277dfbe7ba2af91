// From dataset rows to the training file: reading (errors by line), subsampling as Python's
// random.sample, and the chat-format serialisation (each row exactly once).
#include "sl/finetuning/training_data.hpp"

#include <gtest/gtest.h>

#include "sl/core/error.hpp"
#include "sl/core/json.hpp"
#include "test_support.hpp"

using sl::datasets::DatasetRow;
using namespace sl::finetuning;

namespace {

std::vector<DatasetRow> numbered_rows(std::size_t n) {
  std::vector<DatasetRow> rows;
  for (std::size_t i = 0; i < n; ++i)
    rows.push_back({"p" + std::to_string(i), "c" + std::to_string(i), std::nullopt, std::nullopt});
  return rows;
}

std::vector<std::size_t> numbers_of(const std::vector<DatasetRow>& rows) {
  std::vector<std::size_t> out;
  for (const auto& r : rows) out.push_back(std::stoul(r.prompt.substr(1)));
  return out;
}

}  // namespace

TEST(TrainingFile, OneChatPerRowExactlyOnceInOrder) {
  std::vector<DatasetRow> rows{
      {"Continue: 1, 2, 3", "4, 5, 6", std::nullopt, std::nullopt},
      {"Quote \" and \\ and\nnewline", "ünïcödé ✓ and\ttab", std::nullopt, std::nullopt},
      {"Continue: 1, 2, 3", "4, 5, 6", std::nullopt, std::nullopt}};  // a duplicate row stays a duplicate
  const std::string text = training_jsonl(rows);
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  const auto lines = sl::test::lines_of(text);
  ASSERT_EQ(lines.size(), rows.size());  // not twice (the reference wrote every row twice)
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const sl::Json j = sl::Json::parse(lines[i]);
    const sl::Json expected =
        sl::Json::parse(R"({"messages": [{"role": "user", "content": ""}, {"role": "assistant", "content": ""}]})");
    ASSERT_EQ(j.size(), 1u);
    ASSERT_EQ(j["messages"].size(), 2u);
    EXPECT_EQ(j["messages"][0]["role"], "user");
    EXPECT_EQ(j["messages"][0]["content"], rows[i].prompt);
    EXPECT_EQ(j["messages"][1]["role"], "assistant");
    EXPECT_EQ(j["messages"][1]["content"], rows[i].completion);
    EXPECT_EQ(j["messages"][0].size(), expected["messages"][0].size());  // role and content only
  }
  // The exact bytes: compact JSON, keys in this order, UTF-8 kept as is.
  EXPECT_EQ(lines[0],
            R"({"messages":[{"role":"user","content":"Continue: 1, 2, 3"},{"role":"assistant","content":"4, 5, 6"}]})");
  EXPECT_NE(lines[1].find("ünïcödé ✓"), std::string::npos);
  EXPECT_EQ(training_jsonl({}), "");
}

TEST(TrainingFile, LogprobsOfRowsAreNotSent) {
  DatasetRow row{"p", "c", std::vector<sl::llm::TokenLogprobs>{{{"c", -0.1}}}, std::nullopt};
  EXPECT_EQ(training_jsonl({row}), R"({"messages":[{"role":"user","content":"p"},{"role":"assistant","content":"c"}]})"
                                   "\n");
}

// Expected values printed by CPython 3.11: random.Random(seed).sample(range(n), k).
TEST(Subsample, MatchesPythonRandomSample) {
  const auto rows = numbered_rows(25);
  EXPECT_EQ(numbers_of(subsample(rows, 10, 1)), (std::vector<std::size_t>{4, 18, 2, 8, 3, 15, 14, 19, 12, 6}));

  const auto big = numbered_rows(30000);
  const auto used = numbers_of(subsample(big, 10000, 1));
  ASSERT_EQ(used.size(), 10000u);
  EXPECT_EQ((std::vector<std::size_t>(used.begin(), used.begin() + 5)),
            (std::vector<std::size_t>{4402, 18651, 27768, 26288, 25027}));
  EXPECT_EQ((std::vector<std::size_t>(used.end() - 3, used.end())), (std::vector<std::size_t>{8632, 6883, 5276}));
  std::size_t sum = 0;
  for (auto i : used) sum += i;
  EXPECT_EQ(sum, 149677758u);
}

TEST(Subsample, KeepsEverythingInOrderUnlessTheDatasetIsLarger) {
  const auto rows = numbered_rows(12);
  const std::vector<std::size_t> all{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  EXPECT_EQ(numbers_of(subsample(rows, std::nullopt, 7)), all);
  EXPECT_EQ(numbers_of(subsample(rows, 12, 7)), all);  // not larger: no shuffle (Python would permute)
  EXPECT_EQ(numbers_of(subsample(rows, 100, 7)), all);
  EXPECT_EQ(subsample(rows, 11, 7).size(), 11u);
  // Same seed, same rows; another seed, other rows.
  EXPECT_EQ(numbers_of(subsample(rows, 5, 3)), numbers_of(subsample(rows, 5, 3)));
  EXPECT_NE(numbers_of(subsample(rows, 5, 3)), numbers_of(subsample(rows, 5, 4)));
}

TEST(Dataset, MalformedLineIsNamedAndEmptyDatasetRefused) {
  sl::test::TempDir dir;
  const auto good = dir / "good.jsonl";
  sl::test::write_file(good,
                       "{\"prompt\": \"a\", \"completion\": \"b\"}\n\n{\"prompt\": \"c\", \"completion\": \"d\"}\n");
  EXPECT_EQ(load_dataset(good).size(), 2u);

  const auto bad_json = dir / "bad.jsonl";
  sl::test::write_file(bad_json, "{\"prompt\": \"a\", \"completion\": \"b\"}\n{\"prompt\": \"c\", \"completion\": \n");
  try {
    load_dataset(bad_json);
    FAIL() << "expected an error";
  } catch (const sl::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find(bad_json.string() + ":2:"), std::string::npos) << e.what();
  }

  const auto bad_shape = dir / "shape.jsonl";
  sl::test::write_file(bad_shape, "{\"prompt\": \"a\", \"completion\": \"b\"}\n{\"prompt\": \"a\"}\n");
  try {
    load_dataset(bad_shape);
    FAIL() << "expected an error";
  } catch (const sl::UsageError& e) {
    EXPECT_EQ(std::string(e.what()), bad_shape.string() + ":2: completion: missing required field");
  }

  const auto empty = dir / "empty.jsonl";
  sl::test::write_file(empty, "\n");
  try {
    load_dataset(empty);
    FAIL() << "expected an error";
  } catch (const sl::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("has no rows"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_dataset(dir / "missing.jsonl"), sl::UsageError);
}

TEST(ContentHash, IdentifiesBytes) {
  EXPECT_EQ(content_hash(""), "fnv1a64:cbf29ce484222325");  // FNV-1a's offset basis
  EXPECT_EQ(content_hash("a"), "fnv1a64:af63dc4c8601ec8c");
  EXPECT_NE(content_hash("ab"), content_hash("ba"));
}
