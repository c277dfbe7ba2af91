#include "sl/report/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "sl/core/error.hpp"
#include "sl/core/files.hpp"
#include "sl/core/jsonl.hpp"

namespace sl::report {

namespace {

using evaluation::Estimate;

bool looks_like_summary(const std::filesystem::path& path, const std::string& text) {
  if (path.string().ends_with(".summary.json")) return true;
  // A summary is one JSON object spanning the file; results files are JSON lines.
  std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos || text[first] != '{') return false;
  try {
    Json j = Json::parse(text);
    return j.is_object() && j.contains("n_questions");
  } catch (const Json::exception&) {  // parse errors, and numbers out of range ("1e400")
    return false;
  }
}

std::string fmt(double v) {
  if (!std::isfinite(v)) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

// Adds `value` under column `name` for input `row`, creating the column on first use.
void put(ReportTable& t, const std::string& name, std::size_t row, const Estimate& value) {
  for (auto& c : t.columns)
    if (c.name == name) {
      c.values[row] = value;
      return;
    }
  ReportColumn c{name, std::vector<std::optional<Estimate>>(t.labels.size())};
  c.values[row] = value;
  t.columns.push_back(std::move(c));
}

}  // namespace

std::vector<std::filesystem::path> parse_path_list(const std::string& list, const std::string& what) {
  std::vector<std::filesystem::path> paths;
  for (std::size_t start = 0; start <= list.size();) {
    auto comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    if (comma == start) throw UsageError(what + ": an empty path in the comma-separated list");
    paths.emplace_back(list.substr(start, comma - start));
    start = comma + 1;
  }
  return paths;
}

ReportInput parse_input_spec(const std::string& spec) {
  auto eq = spec.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 >= spec.size())
    throw UsageError("--input \"" + spec +
                     "\": expected LABEL=PATH[,PATH...], e.g. \"owl student=data/owl/eval.jsonl\"");
  return ReportInput{spec.substr(0, eq), parse_path_list(spec.substr(eq + 1), "--input \"" + spec + "\"")};
}

RunMetrics read_run(const std::filesystem::path& path, const ReportOptions& options) {
  RunMetrics m;
  const std::string text = files::read_text(path);
  if (looks_like_summary(path, text)) {
    auto s = evaluation::summary_from_json(json::parse(text, path.string()));
    m.n_answers = s.n_responses;
    if (s.target) {
      for (const auto& target : options.targets)
        if (target != s.target->target)
          throw UsageError(path.string() + ": a summary for target \"" + s.target->target +
                           "\"; pass the results file to compute p(" + target + ")");
      m.values.emplace_back("p(" + s.target->target + ")", s.target->p_target);
    }
    for (const auto& e : s.exact_targets) m.values.emplace_back("p(" + e.target + ") exact", e.p_target);
    for (const auto& j : s.judges)
      if (j.per_question_mean) m.values.emplace_back("judge " + j.name, *j.per_question_mean);
    if (s.misalignment && s.misalignment->share) m.values.emplace_back("misaligned share", *s.misalignment->share);
  } else {
    auto rows = jsonl::read<evaluation::EvaluationResultRow>(path);
    for (const auto& r : rows) m.n_answers += r.responses.size();
    if (options.targets.empty())
      throw UsageError(path.string() + ": a results file; say which trait to count with --target_preference");
    for (const auto& target : options.targets)
      m.values.emplace_back("p(" + target + ")",
                            evaluation::summarize_target(rows, target, options.match == "word").p_target);
  }
  return m;
}

PooledRuns read_runs(const std::vector<std::filesystem::path>& paths, const ReportOptions& options,
                     const std::string& what) {
  PooledRuns pooled;
  std::map<std::string, std::size_t> index;  // metric -> its place in pooled.metrics
  for (const auto& path : paths) {
    RunMetrics m = read_run(path, options);
    pooled.n_answers += m.n_answers;
    for (const auto& [name, e] : m.values) {
      auto [it, added] = index.emplace(name, pooled.metrics.size());
      if (added) pooled.metrics.push_back({name, {}});
      pooled.metrics[it->second].second.push_back(e);
    }
  }
  for (const auto& [name, per_run] : pooled.metrics)
    if (per_run.size() != paths.size())
      throw UsageError(what + ": \"" + name + "\" is missing from some of its " + std::to_string(paths.size()) +
                       " files");
  return pooled;
}

ReportTable build_report(const std::vector<ReportInput>& inputs, const ReportOptions& options) {
  if (inputs.empty()) throw UsageError("no inputs: give at least one --input LABEL=PATH");
  ReportTable t;
  for (const auto& in : inputs) t.labels.push_back(in.label);
  t.n_answers.resize(inputs.size());
  t.n_runs.resize(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const auto& in = inputs[i];
    if (in.paths.empty()) throw UsageError("input \"" + in.label + "\" has no file");
    t.n_runs[i] = in.paths.size();
    const PooledRuns runs = read_runs(in.paths, options, "input \"" + in.label + "\"");
    t.n_answers[i] = runs.n_answers;
    for (const auto& [name, per_run] : runs.metrics) {
      if (per_run.size() == 1) {
        put(t, name, i, per_run[0]);
        continue;
      }
      std::vector<double> means;
      for (const auto& e : per_run) means.push_back(e.mean);
      put(t, name, i, evaluation::estimate_over_questions(means));
    }
  }
  if (!options.columns.empty()) {
    std::vector<ReportColumn> kept;
    for (const auto& name : options.columns) {
      auto it = std::find_if(t.columns.begin(), t.columns.end(), [&](const ReportColumn& c) { return c.name == name; });
      if (it == t.columns.end()) {
        std::string known;
        for (const auto& c : t.columns) known += (known.empty() ? "" : ", ") + c.name;
        throw UsageError("column \"" + name + "\" is not in the inputs (they have: " + known + ")");
      }
      kept.push_back(*it);
    }
    t.columns = std::move(kept);
  }
  return t;
}

std::string to_markdown(const ReportTable& t) {
  bool pooled = false;
  for (auto n : t.n_runs) pooled = pooled || n > 1;
  std::string out = pooled ? "| model | runs | answers |" : "| model | answers |";
  for (const auto& c : t.columns) out += " " + c.name + " [95% CI] |";
  out += pooled ? "\n|---|---:|---:|" : "\n|---|---:|";
  for (std::size_t k = 0; k < t.columns.size(); ++k) out += "---|";
  out += "\n";
  for (std::size_t i = 0; i < t.labels.size(); ++i) {
    out += "| " + t.labels[i] + " |";
    if (pooled) out += " " + std::to_string(t.n_runs[i]) + " |";
    out += " " + std::to_string(t.n_answers[i]) + " |";
    for (const auto& c : t.columns) {
      if (!c.values[i]) {
        out += " - |";
        continue;
      }
      const Estimate& e = *c.values[i];
      out += " " + fmt(e.mean) + " [" + fmt(e.lower) + ", " + fmt(e.upper) + "] |";
    }
    out += "\n";
  }
  return out;
}

charts::BarChart to_chart(const ReportTable& t, const std::string& title) {
  // Rates (0-1) and judge scores (0-100) cannot share an axis: chart the rates when there are
  // any, else the judge scores. The markdown table always has every column.
  auto is_judge = [](const ReportColumn& c) { return c.name.rfind("judge ", 0) == 0; };
  bool any_rate = false;
  for (const auto& c : t.columns) any_rate = any_rate || !is_judge(c);
  std::vector<const ReportColumn*> shown;
  for (const auto& c : t.columns)
    if (is_judge(c) != any_rate) shown.push_back(&c);

  charts::BarChart chart;
  chart.title = title;
  chart.y_label = any_rate ? "rate (mean over questions, 95% CI)" : "judge score (mean over questions, 95% CI)";
  chart.y_min = 0;
  if (!any_rate) chart.y_max = 100;
  for (std::size_t i = 0; i < t.labels.size(); ++i)
    for (const ReportColumn* c : shown) {
      if (!c->values[i]) continue;
      const Estimate& e = *c->values[i];
      charts::Bar b;
      b.label = shown.size() > 1 ? t.labels[i] + ": " + c->name : t.labels[i];
      b.value = e.mean;
      if (std::isfinite(e.lower)) b.lower = e.lower;
      if (std::isfinite(e.upper)) b.upper = e.upper;
      b.group = c->name;
      chart.bars.push_back(std::move(b));
    }
  return chart;
}

}  // namespace sl::report
