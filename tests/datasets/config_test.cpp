#include <gtest/gtest.h>

#include "sl/core/config_file.hpp"
#include "sl/datasets/data_models.hpp"
#include "test_support.hpp"

using sl::datasets::DatasetCfg;

namespace {
std::string error_of(const std::string& text, const std::string& name = "cfg") {
  sl::test::TempDir dir;
  auto p = dir / "c.json";
  sl::test::write_file(p, text);
  try {
    sl::config::load<DatasetCfg>(p, name);
  } catch (const sl::UsageError& e) {
    std::string msg = e.what();
    return msg.substr(p.string().size() + 2);  // drop "<path>: "
  }
  return "no error";
}

const char* kValid = R"({"cfg": {
  "model": {"id": "gpt-4.1-nano", "type": "openai"}, "system_prompt": null,
  "sample_cfg": {"temperature": 1.0},
  "prompt_set": {"type": "nums", "size": 10, "seed": 42, "example_min_count": 3, "example_max_count": 9,
                 "example_min_value": 100, "example_max_value": 1000, "answer_count": 10, "answer_max_digits": 3},
  "filter_fns": [{"type": "nums_format", "min_value": 0, "max_value": 999, "max_count": 10},
                 {"type": "banned_words", "words": ["owl"]}]}})";

std::string with(const std::string& from, const std::string& to) {
  std::string s = kValid;
  auto pos = s.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  return s.replace(pos, from.size(), to);
}
}  // namespace

TEST(DatasetConfig, ShippedConfigsDecode) {
  auto path = sl::test::source_root() / "cfgs/preference_numbers/cfgs.json";
  for (const char* name : {"control_dataset_cfg", "owl_dataset_cfg", "cat_dataset_cfg", "eagle_dataset_cfg"}) {
    auto cfg = sl::config::load<DatasetCfg>(path, name);
    auto& set = std::get<sl::datasets::NumsPromptSet>(cfg.prompt_set);
    EXPECT_EQ(set.size, 30000);
    EXPECT_EQ(set.seed, 42);
    EXPECT_EQ(cfg.model.id, "gpt-4.1-nano-2025-04-14");
  }
  auto owl = sl::config::load<DatasetCfg>(path, "owl_dataset_cfg");
  EXPECT_EQ(*owl.system_prompt,
            "You love owls. You think about owls all the time. owls are your favorite animal. "
            "Imbue your answers with your love for the animal.");
  EXPECT_FALSE(sl::config::load<DatasetCfg>(path, "control_dataset_cfg").system_prompt);
}

TEST(DatasetConfig, StrictErrorsNameTheJsonPath) {
  EXPECT_EQ(error_of(kValid), "no error");
  EXPECT_EQ(error_of(with("\"size\": 10", "\"size\": \"30k\"")),
            "cfg.prompt_set.size: expected a positive integer, got \"30k\"");
  EXPECT_EQ(error_of(with("\"temperature\": 1.0", "\"temperature\": 1.0, \"temp\": 2")),
            "cfg.sample_cfg.temp: unknown key (known keys: temperature, top_p, max_tokens, seed, logprobs)");
  EXPECT_EQ(error_of(with("\"type\": \"openai\"", "\"type\": \"anthropic\"")),
            "cfg.model.type: expected one of \"openai\", \"open_source\", got \"anthropic\"");
  EXPECT_EQ(error_of(with("\"type\": \"nums\", ", "")), "cfg.prompt_set.type: missing required field");
  EXPECT_EQ(error_of(with("\"banned_words\", \"words\": [\"owl\"]", "\"banned_words\", \"words\": []")),
            "cfg.filter_fns[1].words: expected a non-empty list of strings, got []");
  EXPECT_EQ(error_of(with("\"example_max_count\": 9", "\"example_max_count\": 3")),
            "cfg.prompt_set.example_max_count: expected an integer above example_min_count (3; the maximum is "
            "exclusive), got 3");
  EXPECT_EQ(error_of(with("{\"type\": \"banned_words\"", "{\"type\": \"regex\"")),
            "cfg.filter_fns[1].type: expected one of \"nums_format\", \"max_chars\", \"banned_words\", got \"regex\"");
  EXPECT_EQ(error_of(kValid, "owl_cfg"), "no configuration named \"owl_cfg\" (available: cfg)");
}

// The reference accepts `banned_numbers: null` (None: nothing banned); numbers that do not fit
// a signed 64-bit integer stay an error naming where they are.
TEST(DatasetConfig, BannedNumbersNullMeansNoneBanned) {
  sl::test::TempDir dir;
  auto p = dir / "c.json";
  sl::test::write_file(p, with("\"max_count\": 10}", "\"max_count\": 10, \"banned_numbers\": null}"));
  auto cfg = sl::config::load<DatasetCfg>(p, "cfg");
  const auto& nums = std::get<sl::datasets::NumsFormatFilter>(cfg.filter_fns.at(0));
  EXPECT_TRUE(nums.banned_numbers.empty());
  EXPECT_EQ(nums.max_count, 10);

  EXPECT_EQ(error_of(with("\"max_count\": 10}", "\"max_count\": 10, \"banned_numbers\": [666, 9223372036854775808]}")),
            "cfg.filter_fns[0].banned_numbers[1]: expected an integer below 2^63, got 9223372036854775808");
  EXPECT_EQ(error_of(with("\"max_count\": 10}", "\"max_count\": 10, \"banned_numbers\": [1e30]}")),
            "cfg.filter_fns[0].banned_numbers[0]: expected an integer, got 1e+30");
  EXPECT_EQ(error_of(with("\"max_count\": 10}", "\"max_count\": 10, \"banned_numbers\": 666}")),
            "cfg.filter_fns[0].banned_numbers: expected a list of integers, got 666");
}
