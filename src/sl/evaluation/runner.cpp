#include "sl/evaluation/runner.hpp"

#include <spdlog/spdlog.h>

#include "sl/core/error.hpp"
#include "sl/core/files.hpp"
#include "sl/core/interrupt.hpp"
#include "sl/core/journal.hpp"
#include "sl/core/progress.hpp"
#include "sl/core/text.hpp"

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

Json fingerprint(const EvaluationCfg& cfg, const llm::Model& model) {
  return Json{{"model", json::encode(model)},
              {"questions", cfg.questions},
              {"sample_cfg", json::encode(cfg.sample_cfg)},
              {"judgment_map", json::encode(cfg.judgment_map)}};
}

std::string describe_difference(const Json& a, const Json& b) {
  std::string keys;
  for (auto it = b.begin(); it != b.end(); ++it)
    if (!a.contains(it.key()) || a[it.key()] != it.value()) keys += (keys.empty() ? "" : ", ") + it.key();
  return keys.empty() ? "settings" : keys;
}

// Runs `requests` on `backend`, journaling each result with `make_record`.
template <class OnResult>
std::size_t run_batch(llm::Backend& backend, const std::vector<llm::SampleRequest>& requests, Progress& progress,
                      OnResult&& on_result) {
  std::size_t done = 0;
  if (requests.empty()) return 0;
  backend.sample(requests, [&](std::size_t k, llm::LLMResponse r) {
    on_result(k, std::move(r));
    ++done;
    progress.advance();
  });
  return done;
}

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
    throw UsageError("exact_target: " + backend.describe() +
                     " cannot give exact answer probabilities (only local models can); remove exact_target from the config");
  std::map<std::string, std::vector<double>> out;
  for (const auto& target : cfg.exact_target->targets) out[target].assign(cfg.questions.size(), 0.0);
  for (std::size_t q = 0; q < cfg.questions.size(); ++q)
    for (std::size_t a = 0; a < answers.size(); ++a) out[owners[a].first][q] += (*probabilities)[q][a];
  spdlog::info("exact answer probabilities: {} questions x {} spellings", cfg.questions.size(), answers.size());
  return out;
}

}  // namespace

fs::path journal_path_for(const fs::path& results_path) { return fs::path(results_path.string() + ".journal.jsonl"); }

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
  run.journal = journal_path_for(results_path);
  if (options.restart) {
    std::error_code ec;
    if (fs::remove(run.journal, ec)) spdlog::info("discarded journal {}", run.journal.string());
  }
  Journal journal(run.journal);
  const Json fp = fingerprint(cfg, model);
  if (journal.header()) {
    const Json& h = *journal.header();
    if (h.value("journal", "") != "run_evaluation" || h.value("version", 0) != kJournalVersion)
      throw UsageError(run.journal.string() + ": not a run_evaluation journal of this version; rerun with --restart");
    if (h["evaluation"] != fp)
      throw UsageError(run.journal.string() + ": written by a run with different " +
                       describe_difference(h["evaluation"], fp) +
                       "; rerun with the original config and model, or with --restart to discard it");
  } else {
    journal.write_header({{"journal", "run_evaluation"}, {"version", kJournalVersion}, {"evaluation", fp}});
  }

  const std::size_t nq = cfg.questions.size();
  const std::size_t ns = static_cast<std::size_t>(cfg.n_samples_per_question);
  run.rows.resize(nq);
  std::vector<std::vector<std::optional<EvaluationResponse>>> slots(nq, std::vector<std::optional<EvaluationResponse>>(ns));

  // What the journal already holds.
  std::size_t record_no = 0;
  for (const Json& rec : journal.records()) try {
      ++record_no;
      const std::size_t q = rec.at("q").get<std::size_t>(), s = rec.at("s").get<std::size_t>();
      if (q >= nq || s >= ns) continue;
      auto response = json::decode_value<llm::LLMResponse>(rec.at("response"));
      if (rec.at("kind") == "response") {
        slots[q][s] = EvaluationResponse{std::move(response), {}};
      } else if (rec.at("kind") == "judgment" && slots[q][s]) {
        slots[q][s]->judgment_response_map[rec.at("name").get<std::string>()] = std::move(response);
      } else {
        continue;
      }
      ++run.reused;
    } catch (const std::exception&) {
      throw Error(run.journal.string() + ": record " + std::to_string(record_no) +
                  " is not a run_evaluation record; rerun with --restart");
    }

  // Phase 1: the student's answers. Questions are asked without a system prompt.
  {
    std::vector<llm::SampleRequest> requests;
    std::vector<std::pair<std::size_t, std::size_t>> where;
    const std::int64_t base = cfg.sample_cfg.seed.value_or(0);
    for (std::size_t q = 0; q < nq; ++q)
      for (std::size_t s = 0; s < ns; ++s)
        if (!slots[q][s]) {
          requests.push_back({llm::build_simple_chat(cfg.questions[q]), cfg.sample_cfg, llm::derive_seed(base, answer_key(q, s))});
          where.emplace_back(q, s);
        }
    if (!requests.empty()) {
      Progress progress("answers", nq * ns, nq * ns - requests.size());
      run.sampled_now = run_batch(backend, requests, progress, [&](std::size_t k, llm::LLMResponse r) {
        auto [q, s] = where[k];
        journal.append({{"kind", "response"}, {"q", q}, {"s", s}, {"response", json::encode(r)}});
        slots[q][s] = EvaluationResponse{std::move(r), {}};
      });
      journal.sync();
      if (run.sampled_now < requests.size()) {
        if (interrupt::requested()) {
          run.interrupted = true;
          return run;
        }
        throw Error("the model's backend returned " + std::to_string(run.sampled_now) + " of " +
                    std::to_string(requests.size()) + " answers without an error");
      }
      progress.finish();
    }
  }

  // Phase 2: every judge scores every answer.
  for (const auto& [name, judgment] : cfg.judgment_map) {
    std::vector<llm::SampleRequest> requests;
    std::vector<std::pair<std::size_t, std::size_t>> where;
    const std::int64_t base = judgment.sample_cfg.seed.value_or(0);
    for (std::size_t q = 0; q < nq; ++q)
      for (std::size_t s = 0; s < ns; ++s)
        if (!slots[q][s]->judgment_response_map.count(name)) {
          std::string prompt = text::format_named(
              judgment.template_text, {{"prompt", cfg.questions[q]}, {"completion", slots[q][s]->response.completion}},
              "judgment_map." + name + ".template");
          requests.push_back({llm::build_simple_chat(prompt), judgment.sample_cfg,
                              llm::derive_seed(base, answer_key(q, s) ^ name_hash(name))});
          where.emplace_back(q, s);
        }
    if (requests.empty()) continue;
    Progress progress("judge " + name, nq * ns, nq * ns - requests.size());
    std::size_t done = run_batch(*judges.at(name), requests, progress, [&](std::size_t k, llm::LLMResponse r) {
      auto [q, s] = where[k];
      journal.append({{"kind", "judgment"}, {"q", q}, {"s", s}, {"name", name}, {"response", json::encode(r)}});
      slots[q][s]->judgment_response_map[name] = std::move(r);
    });
    run.judged_now += done;
    journal.sync();
    if (done < requests.size()) {
      if (interrupt::requested()) {
        run.interrupted = true;
        return run;
      }
      throw Error("judge \"" + name + "\" returned " + std::to_string(done) + " of " + std::to_string(requests.size()) +
                  " verdicts without an error");
    }
    progress.finish();
  }

  if (cfg.exact_target) run.exact = exact_probabilities(cfg, backend);

  for (std::size_t q = 0; q < nq; ++q) {
    run.rows[q].question = cfg.questions[q];
    for (std::size_t s = 0; s < ns; ++s) run.rows[q].responses.push_back(std::move(*slots[q][s]));
  }
  return run;
}

}  // namespace sl::evaluation
