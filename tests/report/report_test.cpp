#include "sl/report/report.hpp"

#include <gtest/gtest.h>

#include "sl/core/error.hpp"
#include "sl/core/files.hpp"
#include "sl/core/jsonl.hpp"
#include "test_support.hpp"

using namespace sl::report;
using sl::evaluation::EvaluationResultRow;

namespace {
void write_results(const std::filesystem::path& p, const std::vector<std::vector<std::string>>& answers) {
  std::vector<EvaluationResultRow> rows;
  for (std::size_t q = 0; q < answers.size(); ++q) {
    EvaluationResultRow r;
    r.question = "q" + std::to_string(q);
    for (const auto& a : answers[q])
      r.responses.push_back({{"m", a, sl::llm::StopReason::stop_sequence, std::nullopt, std::nullopt}, {}});
    rows.push_back(r);
  }
  sl::test::write_file(p, sl::jsonl::encode_lines(rows));
}
}  // namespace

TEST(Report, TableFromResultsAndSummaries) {
  sl::test::TempDir dir;
  write_results(dir / "base.jsonl",
                {{"owl", "cat", "cat", "dog"}, {"cat", "tiger", "cat", "cat"}, {"dog", "dog", "owl", "cat"}});
  write_results(dir / "owl.jsonl",
                {{"owl", "owl", "cat", "owl"}, {"owl", "tiger", "owl", "cat"}, {"owl", "dog", "owl", "owl"}});
  ReportOptions options;
  options.targets = {"owl", "tiger"};
  auto table = build_report({{"base", {dir / "base.jsonl"}}, {"owl student", {dir / "owl.jsonl"}}}, options);
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
    build_report({{"x", {dir / "r.jsonl"}}}, {});
    FAIL();
  } catch (const sl::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--target_preference"), std::string::npos);
  }
  ReportOptions owl;
  owl.targets = {"owl"};
  EXPECT_THROW(build_report({{"x", {dir / "missing.jsonl"}}}, owl), sl::UsageError);
}

TEST(Report, PoolsRunsOverSeeds) {
  sl::test::TempDir tmp;
  // Three runs whose per-question exact p(owl) means are 0.1, 0.2 and 0.3.
  std::vector<std::filesystem::path> paths;
  for (int k = 1; k <= 3; ++k) {
    sl::Json s = {{"model_id", "m"},
                  {"n_questions", 2},
                  {"n_responses", 10},
                  {"exact_targets",
                   {{"owl",
                     {{"p_target", {{"mean", 0.1 * k}, {"lower", 0.0}, {"upper", 1.0}, {"std", 0.0}, {"n", 2}}},
                      {"per_question", {0.1 * k, 0.1 * k}}}}}}};
    auto p = tmp.path() / ("run" + std::to_string(k) + ".summary.json");
    sl::files::write_atomic(p, s.dump());
    paths.push_back(p);
  }
  auto in = parse_input_spec("owl student=" + paths[0].string() + "," + paths[1].string() + "," + paths[2].string());
  ASSERT_EQ(in.paths.size(), 3u);
  auto t = build_report({in}, {});
  ASSERT_EQ(t.columns.size(), 1u);
  const auto& e = *t.columns[0].values[0];
  EXPECT_NEAR(e.mean, 0.2, 1e-12);
  // t(0.975, df 2) = 4.303, sd 0.1: half-width 4.303 * 0.1 / sqrt(3) = 0.2484.
  EXPECT_NEAR(e.upper - e.mean, 0.2484, 1e-3);
  EXPECT_EQ(t.n_runs[0], 3u);
  EXPECT_EQ(t.n_answers[0], 30u);
  EXPECT_NE(to_markdown(t).find("| runs |"), std::string::npos);
  EXPECT_THROW(parse_input_spec("x=a,,b"), sl::UsageError);
}

TEST(Report, KeepsOnlyTheColumnsAskedFor) {
  sl::test::TempDir tmp;
  sl::Json s = {{"model_id", "m"},
                {"n_questions", 2},
                {"n_responses", 10},
                {"exact_targets",
                 {{"owl",
                   {{"p_target", {{"mean", 0.1}, {"lower", 0.0}, {"upper", 0.2}, {"std", 0.0}, {"n", 2}}},
                    {"per_question", {0.1, 0.1}}}},
                  {"tiger",
                   {{"p_target", {{"mean", 0.3}, {"lower", 0.2}, {"upper", 0.4}, {"std", 0.0}, {"n", 2}}},
                    {"per_question", {0.3, 0.3}}}}}}};
  sl::files::write_atomic(tmp.path() / "a.summary.json", s.dump());
  ReportOptions options;
  options.columns = {"p(tiger) exact"};
  auto t = build_report({{"m", {tmp.path() / "a.summary.json"}}}, options);
  ASSERT_EQ(t.columns.size(), 1u);
  EXPECT_EQ(t.columns[0].name, "p(tiger) exact");
  options.columns = {"p(cat) exact"};
  EXPECT_THROW(build_report({{"m", {tmp.path() / "a.summary.json"}}}, options), sl::UsageError);
}
