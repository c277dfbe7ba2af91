#include "sl/evaluation/runner.hpp"

#include <spdlog/spdlog.h>

#include "sl/core/error.hpp"
#include "sl/core/files.hpp"
#include "sl/core/journal_session.hpp"
#include "sl/core/text.hpp"
#include "sl/llm/sample_missing.hpp"

namespace sl::evaluation {

namespace fs = std::filesystem;

namespace {

constexpr int kJournalVersion = 1;

// Index of answer `s` to question `q` in seed derivations: stable when n grows.
std::uint64_t answer_key(std::size_t q, std::size_t s) { return (static_cast<std::uint64_t>(q) << 32) | s; }

std::uint64_t name_hash(const std::string& name) {
  std::uint64_t h = 14695981039346656037ULL;  // FNV-1a offset basis
  for (unsigned char c : name) h = (h ^ c) * 1099511628211ULL;
  return h;
}

// Models enter as llm::model_identity (not where they are served): moving the student or a
// judge to another server, or adding replicas, keeps the journal.
Json fingerprint(const EvaluationCfg& cfg, const llm::Model& model) {
  Json judgments = json::encode(cfg.judgment_map);
  for (const auto& [name, j] : cfg.judgment_map) judgments[name]["judge_model"] = llm::model_identity(j.judge_model);
  return Json{{"model", llm::model_identity(model)},
              {"questions", cfg.questions},
              {"sample_cfg", json::encode(cfg.sample_cfg)},
              {"judgment_map", std::move(judgments)}};
}

// The journal's identity: a rerun resumes only with the same questions, model, sampling and judges.
JournalIdentity journal_identity(const EvaluationCfg& cfg, const llm::Model& model) {
  return {
      "run_evaluation",      kJournalVersion, "evaluation", fingerprint(cfg, model), "the original config and model",
      "answers and verdicts"};
}

// Answer s to question q is work item q * n + s (n samples per question), in answers and in
// every judge's verdicts alike, so that one shard answers and judges the same items.
std::size_t index_of(std::size_t q, std::size_t s, std::size_t n) { return q * n + s; }

// For each target, per question: the summed probability of the target's spellings as the whole
// answer, asked exactly like the sampled questions (no system prompt).
std::map<std::string, std::vector<double>> exact_probabilities(const EvaluationCfg& cfg, llm::Backend& backend) {
  std::vector<llm::AnswerQuery> queries;
  std::vector<std::pair<std::string, std::size_t>> owners;  // answer index -> (target, count)
  std::vector<std::string> answers;
  for (const auto& target : cfg.exact_target->targets)
    for (auto& v : exact_target_variants(target, *cfg.exact_target)) {
      answers.push_back(v);
      owners.emplace_back(target, 0);
    }
  for (const auto& question : cfg.questions) queries.push_back({llm::build_simple_chat(question), answers});
  auto probabilities = backend.answer_probabilities(queries);
  if (!probabilities)
    throw UsageError(
        "exact_target: " + backend.describe() +
        " cannot give exact answer probabilities (only local models can); remove exact_target from the config");
  std::map<std::string, std::vector<double>> out;
  for (const auto& target : cfg.exact_target->targets) out[target].assign(cfg.questions.size(), 0.0);
  for (std::size_t q = 0; q < cfg.questions.size(); ++q)
    for (std::size_t a = 0; a < answers.size(); ++a) out[owners[a].first][q] += (*probabilities)[q][a];
  spdlog::info("exact answer probabilities: {} questions x {} spellings", cfg.questions.size(), answers.size());
  return out;
}

}  // namespace

fs::path summary_path_for(const fs::path& results_path) {
  fs::path p = results_path;
  std::string ext = p.extension().string();
  if (ext == ".jsonl" || ext == ".json") p.replace_extension();
  return fs::path(p.string() + ".summary.json");
}

EvaluationRun run_evaluation(const EvaluationCfg& cfg, const llm::Model& model, llm::Backend& backend,
                             const JudgeBackends& judges, const fs::path& results_path,
                             const EvaluationOptions& options) {
  files::ensure_writable(results_path);
  files::ensure_writable(summary_path_for(results_path));
  for (const auto& [name, j] : cfg.judgment_map)
    if (!judges.count(name) || !judges.at(name)) throw Error("no backend for judgment \"" + name + "\"");

  EvaluationRun run;
  JournalSession journal(results_path, journal_identity(cfg, model), options.restart, options.shard);
  run.journal = journal.path();

  const std::size_t nq = cfg.questions.size();
  const std::size_t ns = static_cast<std::size_t>(cfg.n_samples_per_question);
  std::vector<std::optional<EvaluationResponse>> slots(nq * ns);  // by index_of(q, s, ns)

  // What the journal already holds.
  journal.replay([&](const Json& rec) {
    const std::size_t q = rec.at("q").get<std::size_t>(), s = rec.at("s").get<std::size_t>();
    if (q >= nq || s >= ns) return;
    auto response = json::decode_value<llm::LLMResponse>(rec.at("response"));
    auto& slot = slots[index_of(q, s, ns)];
    if (rec.at("kind") == "response") {
      slot = EvaluationResponse{std::move(response), {}};
    } else if (rec.at("kind") == "judgment" && slot) {
      slot->judgment_response_map[rec.at("name").get<std::string>()] = std::move(response);
    } else {
      return;
    }
    ++run.reused;
  });
  auto question_of = [&](std::size_t i) { return i / ns; };
  auto sample_of = [&](std::size_t i) { return i % ns; };

  // Phase 1: the student's answers. Questions are asked without a system prompt.
  const std::int64_t base = cfg.sample_cfg.seed.value_or(0);
  const llm::SampleOutcome answered = llm::sample_missing(
      backend, journal,
      {.size = nq * ns,
       .done = [&](std::size_t i) { return slots[i].has_value(); },
       .request =
           [&](std::size_t i) {
             return llm::SampleRequest{llm::build_simple_chat(cfg.questions[question_of(i)]), cfg.sample_cfg,
                                       llm::derive_seed(base, answer_key(question_of(i), sample_of(i)))};
           },
       .record =
           [&](std::size_t i, const llm::LLMResponse& r) {
             return Json{
                 {"kind", "response"}, {"q", question_of(i)}, {"s", sample_of(i)}, {"response", json::encode(r)}};
           },
       .keep =
           [&](std::size_t i, llm::LLMResponse r) {
             slots[i] = EvaluationResponse{std::move(r), {}};
           },
       .progress_label = "answers",
       .who = "the model's backend",
       .noun = "answers"});
  run.sampled_now = answered.sampled;
  if (answered.interrupted) {
    run.interrupted = true;
    return run;
  }

  // Phase 2: every judge scores every answer.
  for (const auto& judge_entry : cfg.judgment_map) {
    // Named, not a structured binding: clang 14 (the fuzz build) cannot capture those in lambdas.
    const auto& name = judge_entry.first;
    const auto& judgment = judge_entry.second;
    const std::int64_t judge_base = judgment.sample_cfg.seed.value_or(0);
    const llm::SampleOutcome judged = llm::sample_missing(
        *judges.at(name), journal,
        {.size = nq * ns,
         .done = [&](std::size_t i) { return slots[i]->judgment_response_map.count(name) > 0; },
         .request =
             [&](std::size_t i) {
               const std::size_t q = question_of(i), s = sample_of(i);
               std::string prompt =
                   text::format_named(judgment.template_text,
                                      {{"prompt", cfg.questions[q]}, {"completion", slots[i]->response.completion}},
                                      "judgment_map." + name + ".template");
               return llm::SampleRequest{llm::build_simple_chat(prompt), judgment.sample_cfg,
                                         llm::derive_seed(judge_base, answer_key(q, s) ^ name_hash(name))};
             },
         .record =
             [&](std::size_t i, const llm::LLMResponse& r) {
               return Json{{"kind", "judgment"},
                           {"q", question_of(i)},
                           {"s", sample_of(i)},
                           {"name", name},
                           {"response", json::encode(r)}};
             },
         .keep = [&](std::size_t i, llm::LLMResponse r) { slots[i]->judgment_response_map[name] = std::move(r); },
         .progress_label = "judge " + name,
         .who = "judge \"" + name + "\"",
         .noun = "verdicts"});
    run.judged_now += judged.sampled;
    if (judged.interrupted) {
      run.interrupted = true;
      return run;
    }
  }
  // A shard has only its part of the answers: the results wait for merge_evaluation_shards.
  if (!options.shard.is_whole_run()) return run;

  if (cfg.exact_target) run.exact = exact_probabilities(cfg, backend);

  run.rows.resize(nq);
  for (std::size_t q = 0; q < nq; ++q) {
    run.rows[q].question = cfg.questions[q];
    for (std::size_t s = 0; s < ns; ++s) run.rows[q].responses.push_back(std::move(*slots[index_of(q, s, ns)]));
  }
  return run;
}

void merge_evaluation_shards(const EvaluationCfg& cfg, const llm::Model& model, const fs::path& results_path,
                             std::size_t world) {
  const std::size_t ns = static_cast<std::size_t>(cfg.n_samples_per_question);
  merge_shard_journals(results_path, journal_identity(cfg, model), world, [&](const Json& rec) {
    return index_of(rec.at("q").get<std::size_t>(), rec.at("s").get<std::size_t>(), ns);
  });
}

}  // namespace sl::evaluation
