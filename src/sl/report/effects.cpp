#include "sl/report/effects.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>

#include "sl/core/error.hpp"

namespace sl::report {

namespace {

using evaluation::Estimate;

std::string fmt(double v, bool sign = false) {
  if (!std::isfinite(v)) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, sign ? "%+.3f" : "%.3f", v);
  return buf;
}

// The mean of each metric over a list of runs (one file per seed), in first-seen order.
std::vector<std::pair<std::string, double>> mean_over_runs(const std::vector<std::filesystem::path>& runs,
                                                           const ReportOptions& options, const std::string& what) {
  std::vector<std::pair<std::string, double>> out;
  for (const auto& [name, per_run] : read_runs(runs, options, what).metrics) {
    double sum = 0;
    for (const auto& e : per_run) sum += e.mean;
    out.emplace_back(name, sum / static_cast<double>(per_run.size()));
  }
  return out;
}

std::optional<double> find(const std::vector<std::pair<std::string, double>>& values, const std::string& name) {
  for (const auto& [n, v] : values)
    if (n == name) return v;
  return std::nullopt;
}

}  // namespace

EffectInput parse_effect_spec(const std::string& spec) {
  const std::string usage =
      "--effect \"" + spec +
      "\": expected ARM@BASE=TRAIT_RUNS|CONTROL_RUNS (comma-separated paths), e.g. "
      "\"owl student@base 1=b1/owl_s1.summary.json,b1/owl_s2.summary.json|b1/ctl_s1.summary.json\"";
  const auto eq = spec.find('=');
  if (eq == std::string::npos) throw UsageError(usage);
  const auto at = spec.rfind('@', eq);
  if (at == std::string::npos || at == 0 || at + 1 == eq) throw UsageError(usage);
  const std::string runs = spec.substr(eq + 1);
  const auto bar = runs.find('|');
  if (bar == std::string::npos || bar == 0 || bar + 1 == runs.size() || runs.find('|', bar + 1) != std::string::npos)
    throw UsageError(usage);
  const std::string what = "--effect \"" + spec + "\"";
  return EffectInput{spec.substr(0, at), spec.substr(at + 1, eq - at - 1), parse_path_list(runs.substr(0, bar), what),
                     parse_path_list(runs.substr(bar + 1), what)};
}

EffectTable build_effects(const std::vector<EffectInput>& inputs, const ReportOptions& options) {
  if (inputs.empty()) throw UsageError("no effects: give at least one --effect ARM@BASE=TRAIT_RUNS|CONTROL_RUNS");
  EffectTable t;
  std::vector<std::string> arms;
  std::map<std::string, std::vector<std::string>> arm_columns;
  std::map<std::pair<std::string, std::string>, std::vector<BaseEffect>> cells;  // (arm, column)
  for (const auto& in : inputs) {
    const std::string what = "--effect \"" + in.arm + "@" + in.base + "\"";
    if (std::find(t.bases.begin(), t.bases.end(), in.base) == t.bases.end()) t.bases.push_back(in.base);
    const bool new_arm = std::find(arms.begin(), arms.end(), in.arm) == arms.end();
    if (new_arm) arms.push_back(in.arm);
    const auto trait = mean_over_runs(in.trait_runs, options, what + " (trait runs)");
    const auto control = mean_over_runs(in.control_runs, options, what + " (control runs)");
    std::vector<std::string> columns = options.columns;
    if (columns.empty())
      for (const auto& [name, v] : trait) columns.push_back(name);
    if (new_arm) arm_columns[in.arm] = columns;
    for (const auto& name : columns) {
      auto tv = find(trait, name);
      auto cv = find(control, name);
      if (!tv || !cv)
        throw UsageError(what + ": metric \"" + name + "\" is missing from its " + (tv ? "control" : "trait") +
                         " runs");
      auto& list = cells[{in.arm, name}];
      for (const auto& b : list)
        if (b.base == in.base) throw UsageError(what + ": this arm and base are given twice");
      list.push_back(BaseEffect{in.base, *tv, *cv});
    }
  }
  for (const auto& arm : arms)
    for (const auto& column : arm_columns[arm]) {
      EffectRow row{arm, column, cells[{arm, column}], {}};
      std::vector<double> differences;
      for (const auto& b : row.per_base) differences.push_back(b.difference());
      row.over_bases = evaluation::estimate_over_questions(differences);
      t.rows.push_back(std::move(row));
    }
  return t;
}

std::string to_markdown(const EffectTable& t) {
  std::string out = "| arm | metric |";
  for (const auto& b : t.bases) out += " " + b + ": trait − control |";
  out += " mean over bases [95% CI over bases] |\n|---|---|";
  for (std::size_t k = 0; k < t.bases.size(); ++k) out += "---:|";
  out += "---:|\n";
  for (const auto& row : t.rows) {
    out += "| " + row.arm + " | " + row.column + " |";
    for (const auto& base : t.bases) {
      auto it =
          std::find_if(row.per_base.begin(), row.per_base.end(), [&](const BaseEffect& b) { return b.base == base; });
      if (it == row.per_base.end()) {
        out += " - |";
        continue;
      }
      out += " " + fmt(it->difference(), true) + " (" + fmt(it->trait_mean) + " − " + fmt(it->control_mean) + ") |";
    }
    const Estimate& e = row.over_bases;
    out += " **" + fmt(e.mean, true) + "** [" + fmt(e.lower, true) + ", " + fmt(e.upper, true) +
           "] (n=" + std::to_string(e.n) + ") |\n";
  }
  return out;
}

charts::BarChart to_chart(const EffectTable& t, const std::string& title) {
  charts::BarChart chart;
  chart.title = title;
  chart.y_label = "trait − control (mean over bases, 95% CI over bases)";
  chart.reference_line = 0.0;
  chart.reference_label = "no effect";
  for (const auto& row : t.rows) {
    charts::Bar b;
    b.label = row.arm + ": " + row.column;
    b.value = row.over_bases.mean;
    if (std::isfinite(row.over_bases.lower)) b.lower = row.over_bases.lower;
    if (std::isfinite(row.over_bases.upper)) b.upper = row.over_bases.upper;
    b.group = row.column;
    chart.bars.push_back(std::move(b));
  }
  return chart;
}

}  // namespace sl::report
