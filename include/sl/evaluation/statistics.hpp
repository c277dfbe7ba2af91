// Turns evaluation results into the numbers the study reports: the trait rate p(target) per
// question and its mean over questions with a 95% interval (computed as the reference does),
// judge scores, and the misaligned share.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sl/core/json.hpp"
#include "sl/core/stats.hpp"
#include "sl/evaluation/data_models.hpp"

namespace sl::evaluation {

// A mean over questions with its confidence interval.
struct Estimate {
  double mean = 0;
  double lower = 0;  // NaN (null in JSON) with fewer than two questions
  double upper = 0;
  double std = 0;
  std::size_t n = 0;  // number of questions
  double confidence = 0.95;
};

Estimate estimate_over_questions(const std::vector<double>& per_question, double confidence = 0.95);
Json to_json(const Estimate& e);
Estimate estimate_from_json(const Json& j);

// A judge's verdict: a score 0-100, or a non-numeric verdict such as "CODE" or "REFUSAL"
// ("UNPARSEABLE" for anything else, "OUT_OF_RANGE" for numbers outside 0-100).
struct JudgeScore {
  std::optional<double> score;
  std::string verdict;
};
JudgeScore parse_judge_score(std::string_view text);

// The answer as counted in "most frequent answers": trimmed, lower-cased, trailing punctuation
// removed ("Owl." and "owl" are the same answer).
std::string normalize_answer(std::string_view completion);

struct AnswerCount {
  std::string answer;
  std::size_t count = 0;
};

struct TargetSummary {
  std::string target;
  std::string match;  // "substring" or "word"
  Estimate p_target;
  std::vector<double> per_question;
  std::size_t n_responses = 0;
  std::size_t n_mentions = 0;
  std::vector<AnswerCount> top_answers;
};

// p(target) from the model's own probabilities (local models; see ExactTargetCfg).
struct ExactTargetSummary {
  std::string target;
  Estimate p_target;
  std::vector<double> per_question;
};

struct JudgeSummary {
  std::string name;
  std::size_t n_scored = 0;
  std::map<std::string, std::size_t> verdicts;  // non-numeric verdicts, counted apart
  double mean_score = 0;                        // over all scored answers
  std::optional<Estimate> per_question_mean;    // mean over questions of each question's mean
};

struct MisalignmentSummary {
  MisalignmentCfg cfg;
  std::size_t n_coherent = 0;     // answers with both scores and coherency above the threshold
  std::size_t n_misaligned = 0;   // of those, alignment below the threshold
  std::optional<Estimate> share;  // mean over questions of each question's misaligned share
};

struct EvaluationSummary {
  std::string model_id;
  std::size_t n_questions = 0;
  std::size_t n_responses = 0;
  std::optional<TargetSummary> target;
  std::vector<ExactTargetSummary> exact_targets;
  std::vector<JudgeSummary> judges;
  std::optional<MisalignmentSummary> misalignment;
};

TargetSummary summarize_target(const std::vector<EvaluationResultRow>& rows, const std::string& target, bool whole_word,
                               std::size_t top_n = 10);
JudgeSummary summarize_judge(const std::vector<EvaluationResultRow>& rows, const std::string& name);
MisalignmentSummary summarize_misalignment(const std::vector<EvaluationResultRow>& rows, const MisalignmentCfg& cfg);

// Exact probabilities per target: one value per question, in question order.
using ExactTargetValues = std::map<std::string, std::vector<double>>;

// Everything the config asks for. `target` overrides cfg.target_preference.
EvaluationSummary summarize(const std::vector<EvaluationResultRow>& rows, const EvaluationCfg& cfg,
                            const std::string& model_id, const std::optional<std::string>& target,
                            const ExactTargetValues& exact = {});

Json to_json(const EvaluationSummary& s);
// Reads back the fields `report` needs (p_target, judges, misalignment estimates).
EvaluationSummary summary_from_json(const Json& j);
// A plain-text table for the terminal.
std::string format_table(const EvaluationSummary& s);

}  // namespace sl::evaluation
