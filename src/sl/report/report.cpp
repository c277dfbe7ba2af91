#include "sl/report/report.hpp"

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
  } catch (const Json::parse_error&) {
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

ReportInput parse_input_spec(const std::string& spec) {
  auto eq = spec.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 >= spec.size())
    throw UsageError("--input \"" + spec + "\": expected LABEL=PATH, e.g. \"owl student=data/owl/eval.jsonl\"");
  return {spec.substr(0, eq), spec.substr(eq + 1)};
}

ReportTable build_report(const std::vector<ReportInput>& inputs, const ReportOptions& options) {
  if (inputs.empty()) throw UsageError("no inputs: give at least one --input LABEL=PATH");
  ReportTable t;
  for (const auto& in : inputs) t.labels.push_back(in.label);
  t.n_answers.resize(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const auto& in = inputs[i];
    const std::string text = files::read_text(in.path);
    if (looks_like_summary(in.path, text)) {
      auto s = evaluation::summary_from_json(json::parse(text, in.path.string()));
      t.n_answers[i] = s.n_responses;
      if (s.target) {
        for (const auto& target : options.targets)
          if (target != s.target->target)
            throw UsageError(in.path.string() + ": a summary for target \"" + s.target->target +
                             "\"; pass the results file to compute p(" + target + ")");
        put(t, "p(" + s.target->target + ")", i, s.target->p_target);
        if (s.target->exact_p_target) put(t, "p(" + s.target->target + ") exact", i, *s.target->exact_p_target);
      }
      for (const auto& j : s.judges)
        if (j.per_question_mean) put(t, "judge " + j.name, i, *j.per_question_mean);
      if (s.misalignment && s.misalignment->share) put(t, "misaligned share", i, *s.misalignment->share);
    } else {
      auto rows = jsonl::read<evaluation::EvaluationResultRow>(in.path);
      for (const auto& r : rows) t.n_answers[i] += r.responses.size();
      if (options.targets.empty())
        throw UsageError(in.path.string() + ": a results file; say which trait to count with --target_preference");
      for (const auto& target : options.targets)
        put(t, "p(" + target + ")", i, evaluation::summarize_target(rows, target, options.match == "word").p_target);
    }
  }
  return t;
}

std::string to_markdown(const ReportTable& t) {
  std::string out = "| model | answers |";
  for (const auto& c : t.columns) out += " " + c.name + " [95% CI] |";
  out += "\n|---|---:|";
  for (std::size_t k = 0; k < t.columns.size(); ++k) out += "---|";
  out += "\n";
  for (std::size_t i = 0; i < t.labels.size(); ++i) {
    out += "| " + t.labels[i] + " | " + std::to_string(t.n_answers[i]) + " |";
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

BarChart to_chart(const ReportTable& t, const std::string& title) {
  // Rates (0-1) and judge scores (0-100) cannot share an axis: chart the rates when there are
  // any, else the judge scores. The markdown table always has every column.
  auto is_judge = [](const ReportColumn& c) { return c.name.rfind("judge ", 0) == 0; };
  bool any_rate = false;
  for (const auto& c : t.columns) any_rate = any_rate || !is_judge(c);
  std::vector<const ReportColumn*> shown;
  for (const auto& c : t.columns)
    if (is_judge(c) != any_rate) shown.push_back(&c);

  BarChart chart;
  chart.title = title;
  chart.y_label = any_rate ? "rate (mean over questions, 95% CI)" : "judge score (mean over questions, 95% CI)";
  chart.y_min = 0;
  if (!any_rate) chart.y_max = 100;
  for (std::size_t i = 0; i < t.labels.size(); ++i)
    for (const ReportColumn* c : shown) {
      if (!c->values[i]) continue;
      const Estimate& e = *c->values[i];
      Bar b;
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
