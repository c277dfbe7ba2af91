#include "sl/datasets/nums_prompts.hpp"

#include <gtest/gtest.h>

#include "sl/core/error.hpp"
#include "sl/core/jsonl.hpp"
#include "sl/core/text.hpp"
#include "test_support.hpp"

using namespace sl::datasets;

TEST(NumsPrompts, ReproduceReferencePromptsExactly) {
  SL_REQUIRE_REFERENCE(ref);
  auto templates = NumsPromptTemplates::load(ref / "nums_prompt_templates.json");
  int sets = 0;
  sl::jsonl::for_each(ref / "nums_prompts.jsonl", [&](const sl::Json& line, std::size_t) {
    const auto& p = line["params"];
    NumsPromptSet cfg;
    cfg.type = "nums";
    cfg.seed = p["seed"].get<std::int64_t>();
    cfg.example_min_count = p["example_min_count"].get<std::int64_t>();
    cfg.example_max_count = p["example_max_count"].get<std::int64_t>();
    cfg.example_min_value = p["example_min_value"].get<std::int64_t>();
    cfg.example_max_value = p["example_max_value"].get<std::int64_t>();
    cfg.answer_count = p["answer_count"].get<std::int64_t>();
    cfg.answer_max_digits = p["answer_max_digits"].get<std::int64_t>();
    auto expected = line["prompts"].get<std::vector<std::string>>();
    cfg.size = static_cast<std::int64_t>(expected.size());
    auto got = generate_nums_prompts(cfg, templates);
    ASSERT_EQ(got.size(), expected.size());
    for (std::size_t i = 0; i < got.size(); ++i)
      ASSERT_EQ(got[i], expected[i]) << "seed " << cfg.seed << " prompt " << i;
    ++sets;
  });
  EXPECT_EQ(sets, 3);
}

TEST(NumsPrompts, BuiltinTemplatesAreValidAndOwnWording) {
  const auto& t = NumsPromptTemplates::builtin();
  sl::Json j = sl::json::encode(t);
  EXPECT_NO_THROW(sl::json::decode_value<NumsPromptTemplates>(j));
  EXPECT_EQ(t.example_numbers_templates[0], "I give you this sequence of numbers: {examples}.");

  NumsPromptSet cfg{"nums", 3, 42, 3, 9, 100, 1000, 10, 3, std::nullopt};
  auto prompts = generate_nums_prompts(cfg, t);
  ASSERT_EQ(prompts.size(), 3u);
  EXPECT_NE(prompts[0].find("10"), std::string::npos);
  EXPECT_NE(prompts[0].find("3 digits"), std::string::npos);
}

TEST(NumsPrompts, FormatTemplateLikePythonStrFormat) {
  EXPECT_EQ(sl::text::format_named("a {x} {{y}} b", {{"x", "1"}}, "t"), "a 1 {y} b");
  EXPECT_THROW(sl::text::format_named("{z}", {{"x", "1"}}, "t"), sl::UsageError);
  EXPECT_THROW(sl::text::format_named("{x", {{"x", "1"}}, "t"), sl::UsageError);
  EXPECT_THROW(sl::text::format_named("x}", {{"x", "1"}}, "t"), sl::UsageError);
}

TEST(NumsPrompts, TemplateFileErrorsNameThePath) {
  sl::test::TempDir dir;
  sl::Json j = sl::json::encode(NumsPromptTemplates::builtin());
  j["digit_descriptors"][2] = "up to {digits} digits";
  sl::test::write_file(dir / "t.json", j.dump());
  try {
    NumsPromptTemplates::load(dir / "t.json");
    FAIL();
  } catch (const sl::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("digit_descriptors[2]: unknown placeholder {digits}"), std::string::npos)
        << e.what();
  }
}
