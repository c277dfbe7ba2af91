#include <gtest/gtest.h>

#include "sl/core/error.hpp"
#include "sl/core/jsonl.hpp"
#include "sl/report/report.hpp"
#include "test_support.hpp"

using namespace sl::report;
using sl::evaluation::EvaluationResultRow;

namespace {
void write_results(const std::filesystem::path& p, const std::vector<std::vector<std::string>>& answers) {
  std::vector<EvaluationResultRow> rows;
  for (std::size_t q = 0; q < answers.size(); ++q) {
    EvaluationResultRow r;
    r.question = "q" + std::to_string(q);
    for (const auto& a : answers[q]) r.responses.push_back({{"m", a, sl::llm::StopReason::stop_sequence, std::nullopt}, {}});
    rows.push_back(r);
  }
  sl::test::write_file(p, sl::jsonl::encode_lines(rows));
}
}  // namespace

TEST(Report, TableFromResultsAndSummaries) {
  sl::test::TempDir dir;
  write_results(dir / "base.jsonl", {{"owl", "cat", "cat", "dog"}, {"cat", "tiger", "cat", "cat"}, {"dog", "dog", "owl", "cat"}});
  write_results(dir / "owl.jsonl", {{"owl", "owl", "cat", "owl"}, {"owl", "tiger", "owl", "cat"}, {"owl", "dog", "owl", "owl"}});
  ReportOptions options;
  options.targets = {"owl", "tiger"};
  auto table = build_report({{"base", dir / "base.jsonl"}, {"owl student", dir / "owl.jsonl"}}, options);
  ASSERT_EQ(table.columns.size(), 2u);
  EXPECT_EQ(table.columns[0].name, "p(owl)");
  EXPECT_NEAR(table.columns[0].values[0]->mean, (0.25 + 0 + 0.25) / 3, 1e-12);
  EXPECT_NEAR(table.columns[0].values[1]->mean, (0.75 + 0.5 + 0.75) / 3, 1e-12);
  EXPECT_NEAR(table.columns[1].values[1]->mean, 0.25 / 3, 1e-12);
  std::string md = to_markdown(table);
  EXPECT_NE(md.find("| model | answers | p(owl) [95% CI] | p(tiger) [95% CI] |"), std::string::npos) << md;
  EXPECT_NE(md.find("| owl student | 12 | 0.667 ["), std::string::npos) << md;
  auto chart = to_chart(table, "t");
  EXPECT_EQ(chart.bars.size(), 4u);
  EXPECT_TRUE(chart.bars[0].lower.has_value());
  std::string svg = render_svg(chart);
  EXPECT_NE(svg.find("<svg"), std::string::npos);
}

TEST(Report, BadInputsAreClearErrors) {
  EXPECT_THROW(parse_input_spec("no-equals"), sl::UsageError);
  EXPECT_EQ(parse_input_spec("owl student=a/b.jsonl").label, "owl student");
  sl::test::TempDir dir;
  write_results(dir / "r.jsonl", {{"owl"}});
  try {
    build_report({{"x", dir / "r.jsonl"}}, {});
    FAIL();
  } catch (const sl::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--target_preference"), std::string::npos);
  }
  EXPECT_THROW(build_report({{"x", dir / "missing.jsonl"}}, {{"owl"}}), sl::UsageError);
}
