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

#include "sl/charts/svg_bar_chart.hpp"
#include "sl/evaluation/statistics.hpp"

namespace sl::report {

// One row of the report. Several paths (e.g. the same student trained with 3 seeds) make one
// row whose estimates are over the runs: the mean of the runs' means with a Student-t interval
// over those means (the run-to-run spread, which an interval over questions does not show).
struct ReportInput {
  std::string label;                         // e.g. "owl student"
  std::vector<std::filesystem::path> paths;  // summary JSON or results JSONL, one per run
};

struct ReportOptions {
  std::vector<std::string> targets;  // p(target) columns computed from results files
  std::string match = "substring";   // matching rule for those
  std::string title = "Trait rate by model";
  // Only these columns, in this order (e.g. {"p(owl) exact", "p(tiger) exact"}); empty = all.
  std::vector<std::string> columns;
};

// One column of the table: a metric with its estimate per input (absent when an input lacks it).
struct ReportColumn {
  std::string name;  // "p(owl)", "p(owl) exact", "misaligned share", "judge alignment"
  std::vector<std::optional<evaluation::Estimate>> values;
};

struct ReportTable {
  std::vector<std::string> labels;
  std::vector<std::size_t> n_answers;  // over all runs of the row
  std::vector<std::size_t> n_runs;
  std::vector<ReportColumn> columns;
};

// Parses "label=path" or "label=path1,path2,..." (runs pooled over seeds). The label may contain
// spaces; it ends at the first '='.
ReportInput parse_input_spec(const std::string& spec);
// Splits "PATH1,PATH2,..." (no empty entries); `what` names the flag in errors.
std::vector<std::filesystem::path> parse_path_list(const std::string& list, const std::string& what);

// The metrics of one run (one summary or results file), by column name, in file order.
struct RunMetrics {
  std::size_t n_answers = 0;
  std::vector<std::pair<std::string, evaluation::Estimate>> values;
};
RunMetrics read_run(const std::filesystem::path& path, const ReportOptions& options);

// Several runs of one model (e.g. its seeds): for each metric, its value in every run, in
// first-seen order. A metric that some of the files lack is a UsageError starting with `what`.
struct PooledRuns {
  std::size_t n_answers = 0;  // over all runs
  std::vector<std::pair<std::string, std::vector<evaluation::Estimate>>> metrics;
};
PooledRuns read_runs(const std::vector<std::filesystem::path>& paths, const ReportOptions& options,
                     const std::string& what);

ReportTable build_report(const std::vector<ReportInput>& inputs, const ReportOptions& options);
std::string to_markdown(const ReportTable& table);
charts::BarChart to_chart(const ReportTable& table, const std::string& title);

}  // namespace sl::report
