// Compares models across evaluation files: a markdown table and a bar chart with 95% intervals.
//
// Inputs are evaluation summaries (`*.summary.json`, written by run_evaluation) or results files
// (`*.jsonl`); from a results file p(target) is computed for any target asked for, which is how
// one evaluation yields both p(owl) and p(tiger) for a specificity check.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "sl/evaluation/statistics.hpp"
#include "sl/report/svg_bar_chart.hpp"

namespace sl::report {

struct ReportInput {
  std::string label;                // e.g. "owl student"
  std::filesystem::path path;       // summary JSON or results JSONL
};

struct ReportOptions {
  std::vector<std::string> targets;  // p(target) columns computed from results files
  std::string match = "substring";   // matching rule for those
  std::string title = "Trait rate by model";
};

// One column of the table: a metric with its estimate per input (absent when an input lacks it).
struct ReportColumn {
  std::string name;  // "p(owl)", "p(owl) exact", "misaligned share", "judge alignment"
  std::vector<std::optional<evaluation::Estimate>> values;
};

struct ReportTable {
  std::vector<std::string> labels;
  std::vector<std::size_t> n_answers;
  std::vector<ReportColumn> columns;
};

// Parses "label=path" (the label may contain spaces; the path is everything after the last '=').
ReportInput parse_input_spec(const std::string& spec);

ReportTable build_report(const std::vector<ReportInput>& inputs, const ReportOptions& options);
std::string to_markdown(const ReportTable& table);
BarChart to_chart(const ReportTable& table, const std::string& title);

}  // namespace sl::report
