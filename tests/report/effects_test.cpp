#include "sl/report/effects.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "sl/core/error.hpp"
#include "sl/core/files.hpp"
#include "sl/core/jsonl.hpp"
#include "test_support.hpp"

using namespace sl::report;
using sl::evaluation::EvaluationResultRow;

namespace {
// A results file of one question whose answers are `owls` times "owl" and the rest "cat", so that
// p(owl) = owls / n exactly.
std::filesystem::path results(const sl::test::TempDir& dir, const std::string& name, int owls, int n = 4) {
  EvaluationResultRow r;
  r.question = "q";
  for (int i = 0; i < n; ++i)
    r.responses.push_back(
        {{"m", i < owls ? "owl" : "cat", sl::llm::StopReason::stop_sequence, std::nullopt, std::nullopt}, {}});
  const auto path = dir / (name + ".jsonl");
  sl::test::write_file(path, sl::jsonl::encode_lines(std::vector<EvaluationResultRow>{r}));
  return path;
}
}  // namespace

TEST(Effects, SpecParsing) {
  auto e = parse_effect_spec("owl student (KL)@base 1=a.json,b.json|c.json");
  EXPECT_EQ(e.arm, "owl student (KL)");
  EXPECT_EQ(e.base, "base 1");
  ASSERT_EQ(e.trait_runs.size(), 2u);
  EXPECT_EQ(e.trait_runs[1], "b.json");
  ASSERT_EQ(e.control_runs.size(), 1u);
  for (const char* bad : {"no-equals", "arm=a|b", "@base=a|b", "arm@=a|b", "arm@b=a", "arm@b=|c", "arm@b=a|",
                          "arm@b=a|b|c", "arm@b=a,,b|c"})
    EXPECT_THROW(parse_effect_spec(bad), sl::UsageError) << bad;
}

// Three bases, two seeds each: per base, the difference of the seed means; over bases, the mean
// of the differences with a Student-t interval on 2 degrees of freedom.
TEST(Effects, MeanOverBasesWithTIntervalOverBases) {
  sl::test::TempDir dir;
  ReportOptions options;
  options.targets = {"owl"};
  std::vector<EffectInput> inputs;
  // owls out of 4 for (trait s1, trait s2, control s1, control s2) per base
  const int counts[3][4] = {{3, 2, 1, 1}, {2, 2, 1, 0}, {1, 1, 1, 1}};
  for (int b = 0; b < 3; ++b) {
    const std::string base = "base " + std::to_string(b + 1);
    inputs.push_back({"owl",
                      base,
                      {results(dir, base + "t1", counts[b][0]), results(dir, base + "t2", counts[b][1])},
                      {results(dir, base + "c1", counts[b][2]), results(dir, base + "c2", counts[b][3])}});
  }
  auto table = build_effects(inputs, options);
  ASSERT_EQ(table.bases.size(), 3u);
  ASSERT_EQ(table.rows.size(), 1u);
  const auto& row = table.rows[0];
  EXPECT_EQ(row.column, "p(owl)");
  ASSERT_EQ(row.per_base.size(), 3u);
  // Differences: (0.625 - 0.25), (0.5 - 0.125), (0.25 - 0.25) = 0.375, 0.375, 0.
  EXPECT_DOUBLE_EQ(row.per_base[0].difference(), 0.375);
  EXPECT_DOUBLE_EQ(row.per_base[1].difference(), 0.375);
  EXPECT_DOUBLE_EQ(row.per_base[2].difference(), 0.0);
  EXPECT_EQ(row.over_bases.n, 3u);
  EXPECT_DOUBLE_EQ(row.over_bases.mean, 0.25);
  // sd = sqrt(((0.125)^2 * 2 + 0.25^2) / 2) = sqrt(0.046875); t(0.975, 2) = 4.302652729...
  const double half = 4.302652729911275 * std::sqrt(0.046875) / std::sqrt(3.0);
  EXPECT_NEAR(row.over_bases.upper - row.over_bases.mean, half, 1e-9);
  EXPECT_NEAR(row.over_bases.mean - row.over_bases.lower, half, 1e-9);
  const std::string md = to_markdown(table);
  EXPECT_NE(
      md.find("| owl | p(owl) | +0.375 (0.625 − 0.250) | +0.375 (0.500 − 0.125) | +0.000 (0.250 − 0.250) | **+0.250**"),
      std::string::npos)
      << md;
  auto chart = to_chart(table, "t");
  ASSERT_EQ(chart.bars.size(), 1u);
  EXPECT_TRUE(chart.bars[0].lower.has_value());
}

TEST(Effects, MissingMetricsAndRepeatedBasesAreErrors) {
  sl::test::TempDir dir;
  ReportOptions options;
  options.targets = {"owl"};
  options.columns = {"p(tiger)"};
  EffectInput in{"owl", "base 1", {results(dir, "t", 1)}, {results(dir, "c", 0)}};
  EXPECT_THROW(build_effects({in}, options), sl::UsageError);
  options.columns.clear();
  EXPECT_THROW(build_effects({in, in}, options), sl::UsageError);
  EXPECT_THROW(build_effects({}, options), sl::UsageError);
}
