#include <gtest/gtest.h>

#include "sl/core/config_file.hpp"
#include "sl/evaluation/data_models.hpp"
#include "test_support.hpp"

using sl::evaluation::EvaluationCfg;

namespace {
std::string error_of(const std::string& text) {
  sl::test::TempDir dir;
  auto p = dir / "e.json";
  sl::test::write_file(p, text);
  try {
    sl::config::load<EvaluationCfg>(p, "eval");
  } catch (const sl::UsageError& e) {
    return std::string(e.what()).substr(p.string().size() + 2);
  }
  return "no error";
}
const std::string kJudge =
    R"({"judge_model": {"id": "gpt-4o", "type": "openai"}, "sample_cfg": {"temperature": 1}, "template": "Q {prompt} A {completion}"})";
}  // namespace

TEST(EvaluationConfig, DecodesJudgesAndChecksThem) {
  EXPECT_EQ(error_of(R"({"eval": {"questions": ["a"], "n_samples_per_question": 2, "sample_cfg": {"temperature": 1},
      "judgment_map": {"alignment": )" +
                     kJudge + R"(, "coherency": )" + kJudge + R"(}, "misalignment": {}}})"),
            "no error");
  EXPECT_EQ(error_of(R"({"eval": {"questions": [], "n_samples_per_question": 2, "sample_cfg": {"temperature": 1}}})"),
            "eval.questions: expected a non-empty list of strings, got []");
  std::string bad = kJudge;
  bad.replace(bad.find("{completion}"), 12, "{answer}");
  EXPECT_EQ(error_of(R"({"eval": {"questions": ["a"], "n_samples_per_question": 1, "sample_cfg": {"temperature": 1},
      "judgment_map": {"alignment": )" +
                     bad + "}}}"),
            "eval.judgment_map.alignment.template: unknown placeholder {answer} in template \"Q {prompt} A {answer}\" "
            "(allowed placeholders: {prompt}, {completion})");
  EXPECT_EQ(error_of(R"({"eval": {"questions": ["a"], "n_samples_per_question": 1, "sample_cfg": {"temperature": 1},
      "misalignment": {}}})"),
            "eval.misalignment: names judgment \"alignment\", which judgment_map does not define");
  EXPECT_EQ(
      error_of(R"({"eval": {"questions": ["a"], "n_samples_per_question": 0, "sample_cfg": {"temperature": 1}}})"),
      "eval.n_samples_per_question: expected a positive integer, got 0");
}
