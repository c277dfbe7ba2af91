// Step 3 of an experiment: ask the student each question many times (no system prompt), have
// each answer judged by the configured LLM judges, and keep everything in the reference's
// results shape.
//
// Resumable like step 1: answers and judgments go to `<results>.journal.jsonl` as they arrive;
// rerunning the same command asks only for what is missing. Growing n_samples_per_question
// reuses the answers already there; any other change of questions, model, sampling or judges
// refuses (or starts over with `restart`).
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sl/core/journal_session.hpp"
#include "sl/evaluation/data_models.hpp"
#include "sl/llm/backend.hpp"

namespace sl::evaluation {

// The backend that serves each judgment's judge model, by judgment name.
using JudgeBackends = std::map<std::string, llm::Backend*>;

struct EvaluationOptions {
  bool restart = false;
  // Answer and judge only items q * n + s with index % world == rank (n samples per question),
  // into this shard's own journal, and return no rows; merge_evaluation_shards() then joins the
  // shards (see sl/core/journal_session.hpp).
  Shard shard;
};

struct EvaluationRun {
  std::vector<EvaluationResultRow> rows;
  // Exact p(target) per question for each target of cfg.exact_target (local models): the
  // probability of each spelling's canonical tokenization + end-of-turn, summed (ExactTargetCfg).
  std::map<std::string, std::vector<double>> exact;
  bool interrupted = false;
  std::size_t sampled_now = 0;
  std::size_t judged_now = 0;
  std::size_t reused = 0;  // answers and judgments taken from the journal
  std::filesystem::path journal;
};

// "results.jsonl" -> "results.summary.json"
std::filesystem::path summary_path_for(const std::filesystem::path& results_path);

// Samples and judges what the journal does not have yet and returns the complete rows (unless
// interrupted), plus exact target probabilities when the config asks for them (computed each
// run: they cost one forward pass per question). Writes nothing but the journal; the caller
// writes results and summary.
EvaluationRun run_evaluation(const EvaluationCfg& cfg, const llm::Model& model, llm::Backend& backend,
                             const JudgeBackends& judges, const std::filesystem::path& results_path,
                             const EvaluationOptions& options);

// Joins the journals of the `world` shards of a sharded run into the journal of `results_path`,
// so that run_evaluation() without a shard then returns the rows without sampling, the same as a
// run that was never split.
void merge_evaluation_shards(const EvaluationCfg& cfg, const llm::Model& model,
                             const std::filesystem::path& results_path, std::size_t world);

}  // namespace sl::evaluation
