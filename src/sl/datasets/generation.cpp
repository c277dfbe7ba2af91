#include "sl/datasets/generation.hpp"

#include "sl/core/config_file.hpp"
#include "sl/core/error.hpp"
#include "sl/core/files.hpp"
#include "sl/core/journal_session.hpp"
#include "sl/datasets/filters.hpp"
#include "sl/datasets/nums_prompts.hpp"
#include "sl/llm/sample_missing.hpp"

namespace sl::datasets {

namespace fs = std::filesystem;

namespace {

constexpr int kJournalVersion = 1;

NumsPromptTemplates templates_for(const NumsPromptSet& set, const fs::path& config_file) {
  if (!set.templates_path) return NumsPromptTemplates::builtin();
  return NumsPromptTemplates::load(config::resolve_path(config_file, *set.templates_path));
}

// Everything that changes what a prompt is or how it is answered. The prompt-set size is left
// out on purpose: prompt i is the same whatever the size, so a larger run can reuse a smaller one.
Json sampling_fingerprint(const DatasetCfg& cfg, const fs::path& config_file) {
  Json f = Json::object();
  f["model"] = llm::model_identity(cfg.model);  // not where it is served: see model_identity
  f["system_prompt"] = cfg.system_prompt ? Json(*cfg.system_prompt) : Json(nullptr);
  f["sample_cfg"] = json::encode(cfg.sample_cfg);
  Json set = json::encode(cfg.prompt_set);
  set.erase("size");
  set.erase("templates_path");  // the lists themselves count, not where they were read from
  if (auto* nums = std::get_if<NumsPromptSet>(&cfg.prompt_set))
    set["templates"] = json::encode(templates_for(*nums, config_file));
  f["prompt_set"] = set;
  return f;
}

// The journal's identity: a rerun resumes only with the same sampling settings.
JournalIdentity journal_identity(const DatasetCfg& cfg, const fs::path& config_file) {
  return {"generate_dataset",    kJournalVersion, "sampling", sampling_fingerprint(cfg, config_file),
          "the original config", "answers"};
}

std::size_t index_of(const Json& record) { return record.at("i").get<std::size_t>(); }

struct JournalEntry {
  std::string completion;
  std::optional<std::vector<llm::TokenLogprobs>> logprobs;
  std::optional<std::vector<std::int32_t>> token_ids;
};

}  // namespace

std::vector<std::string> build_prompts(const DatasetCfg& cfg, const fs::path& config_file) {
  if (auto* nums = std::get_if<NumsPromptSet>(&cfg.prompt_set))
    return generate_nums_prompts(*nums, templates_for(*nums, config_file));
  const auto& q = std::get<QuestionsPromptSet>(cfg.prompt_set);
  std::vector<std::string> prompts;
  prompts.reserve(q.questions.size() * static_cast<std::size_t>(q.samples_per_question));
  for (const auto& question : q.questions)
    for (std::int64_t k = 0; k < q.samples_per_question; ++k) prompts.push_back(question);
  return prompts;
}

GenerationSummary generate_dataset(const DatasetCfg& cfg, llm::Backend& backend, const GenerationPaths& paths,
                                   const GenerationOptions& options) {
  // Fail on bad paths before spending anything.
  files::ensure_writable(paths.raw);
  files::ensure_writable(paths.filtered);
  if (paths.rejected) files::ensure_writable(*paths.rejected);

  const std::vector<std::string> prompts = build_prompts(cfg, options.config_file);

  GenerationSummary summary;
  summary.total = prompts.size();
  JournalSession journal(paths.raw, journal_identity(cfg, options.config_file), options.restart, options.shard);
  summary.journal = journal.path();

  // Answers already in the journal.
  std::vector<std::optional<JournalEntry>> answers(prompts.size());
  journal.replay([&](const Json& rec) {
    const std::size_t i = index_of(rec);
    if (i >= prompts.size()) return;  // from a larger earlier run: kept in the journal, unused now
    if (rec.at("prompt") != prompts[i])
      throw Error(summary.journal.string() + ": answer " + std::to_string(i) +
                  " belongs to a different prompt; rerun with --restart");
    JournalEntry e{rec.at("completion").get<std::string>(), std::nullopt, std::nullopt};
    if (rec.contains("logprobs") && !rec["logprobs"].is_null())
      e.logprobs = json::decode_value<std::vector<llm::TokenLogprobs>>(rec["logprobs"]);
    // Absent in journals written before token ids were recorded, and for API backends.
    if (rec.contains("token_ids") && !rec["token_ids"].is_null())
      e.token_ids = json::decode_value<std::vector<std::int32_t>>(rec["token_ids"]);
    answers[i] = std::move(e);
  });

  const std::int64_t base_seed = cfg.sample_cfg.seed.value_or(0);
  const llm::SampleOutcome outcome =
      llm::sample_missing(backend, journal,
                          {.size = prompts.size(),
                           .done = [&](std::size_t i) { return answers[i].has_value(); },
                           .request =
                               [&](std::size_t i) {
                                 return llm::SampleRequest{llm::build_simple_chat(prompts[i], cfg.system_prompt),
                                                           cfg.sample_cfg, llm::derive_seed(base_seed, i)};
                               },
                           .record =
                               [&](std::size_t i, const llm::LLMResponse& response) {
                                 Json rec = {{"i", i},
                                             {"prompt", prompts[i]},
                                             {"completion", response.completion},
                                             {"stop_reason", llm::to_string(response.stop_reason)}};
                                 if (response.logprobs) rec["logprobs"] = json::encode(*response.logprobs);
                                 if (response.token_ids) rec["token_ids"] = json::encode(*response.token_ids);
                                 return rec;
                               },
                           .keep =
                               [&](std::size_t i, llm::LLMResponse response) {
                                 answers[i] = JournalEntry{std::move(response.completion), std::move(response.logprobs),
                                                           std::move(response.token_ids)};
                               },
                           .progress_label = "generate_dataset",
                           .who = "the backend",
                           .noun = "answers"});
  summary.reused = outcome.reused;
  summary.sampled_now = outcome.sampled;
  summary.interrupted = outcome.interrupted;
  // A shard has only its part of the answers: the outputs wait for merge_dataset_shards.
  if (summary.interrupted || !options.shard.is_whole_run()) return summary;

  // Assemble the outputs in prompt order.
  files::AtomicWriter raw(paths.raw), filtered(paths.filtered);
  std::optional<files::AtomicWriter> rejected;
  if (paths.rejected) rejected.emplace(*paths.rejected);
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    DatasetRow row{prompts[i], answers[i]->completion, answers[i]->logprobs, answers[i]->token_ids};
    const std::string line = json::dump(json::encode(row)) + "\n";
    raw.write(line);
    std::vector<std::string> reasons = reject_reasons(cfg.filter_fns, row.completion);
    if (reasons.empty()) {
      filtered.write(line);
      ++summary.passed;
    } else {
      for (const auto& r : reasons) ++summary.reject_reason_counts[r];
      if (rejected) rejected->write(json::dump(json::encode(RejectedRow{row.prompt, row.completion, reasons})) + "\n");
    }
  }
  raw.commit();
  filtered.commit();
  if (rejected) rejected->commit();
  return summary;
}

void merge_dataset_shards(const DatasetCfg& cfg, const fs::path& raw_path, const fs::path& config_file,
                          std::size_t world) {
  merge_shard_journals(raw_path, journal_identity(cfg, config_file), world, index_of);
}

}  // namespace sl::datasets
