// Effects over independent replications: "trait student minus control student", measured in
// several base models (each with its own teachers and students), reported as the mean over
// bases with a 95% Student-t interval over bases. This is the uncertainty that matters for a
// claim like "subliminal learning happens with this recipe": an interval over student seeds of
// one base only shows how much a student varies, not how much the result depends on the base
// and its teachers.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "sl/charts/svg_bar_chart.hpp"
#include "sl/evaluation/statistics.hpp"
#include "sl/report/report.hpp"

namespace sl::report {

// One arm in one base: its trait runs (one file per student seed) against the control runs of
// the same base.
struct EffectInput {
  std::string arm;   // e.g. "owl student (KL)": the rows of one arm are combined over bases
  std::string base;  // e.g. "base 1"
  std::vector<std::filesystem::path> trait_runs;
  std::vector<std::filesystem::path> control_runs;
};

// Parses "ARM@BASE=TRAIT1,TRAIT2|CONTROL1,CONTROL2". ARM may contain spaces and '='; it ends at
// the last '@' before the first '=' that follows it.
EffectInput parse_effect_spec(const std::string& spec);

// The effect in one base: the mean over its trait runs minus the mean over its control runs.
struct BaseEffect {
  std::string base;
  double trait_mean = 0;
  double control_mean = 0;
  double difference() const { return trait_mean - control_mean; }
};

// One arm and one metric over every base it was measured in.
struct EffectRow {
  std::string arm;
  std::string column;  // e.g. "p(owl) exact"
  std::vector<BaseEffect> per_base;
  evaluation::Estimate over_bases;  // mean of the differences, t-interval over bases (n = bases)
};

struct EffectTable {
  std::vector<std::string> bases;  // every base, in first-seen order
  std::vector<EffectRow> rows;     // arms in first-seen order, then columns
};

// `options.columns` picks the metrics (all that every file has when empty); `options.targets`
// and `options.match` are used for results files as in build_report. Errors name the spec.
EffectTable build_effects(const std::vector<EffectInput>& inputs, const ReportOptions& options);
std::string to_markdown(const EffectTable& table);
charts::BarChart to_chart(const EffectTable& table, const std::string& title);

}  // namespace sl::report
