#include "sl/datasets/generation.hpp"

#include <spdlog/spdlog.h>

#include "sl/core/config_file.hpp"
#include "sl/core/error.hpp"
#include "sl/core/files.hpp"
#include "sl/core/interrupt.hpp"
#include "sl/core/journal.hpp"
#include "sl/core/progress.hpp"
#include "sl/datasets/filters.hpp"
#include "sl/datasets/nums_prompts.hpp"

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
  f["model"] = json::encode(cfg.model);
  f["system_prompt"] = cfg.system_prompt ? Json(*cfg.system_prompt) : Json(nullptr);
  f["sample_cfg"] = json::encode(cfg.sample_cfg);
  Json set = json::encode(cfg.prompt_set);
  set.erase("size");
  set.erase("templates_path");  // the lists themselves count, not where they were read from
  if (auto* nums = std::get_if<NumsPromptSet>(&cfg.prompt_set)) set["templates"] = json::encode(templates_for(*nums, config_file));
  f["prompt_set"] = set;
  return f;
}

std::string describe_difference(const Json& old_fp, const Json& new_fp) {
  std::string keys;
  for (auto it = new_fp.begin(); it != new_fp.end(); ++it) {
    if (!old_fp.contains(it.key()) || old_fp[it.key()] != it.value()) keys += (keys.empty() ? "" : ", ") + it.key();
  }
  return keys.empty() ? "settings" : keys;
}

struct JournalEntry {
  std::string completion;
  std::optional<std::vector<llm::TokenLogprobs>> logprobs;
};

}  // namespace

fs::path journal_path_for(const fs::path& raw_path) { return fs::path(raw_path.string() + ".journal.jsonl"); }

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
  const Json fingerprint = sampling_fingerprint(cfg, options.config_file);

  GenerationSummary summary;
  summary.total = prompts.size();
  summary.journal = journal_path_for(paths.raw);
  if (options.restart) {
    std::error_code ec;
    if (fs::remove(summary.journal, ec)) spdlog::info("discarded journal {}", summary.journal.string());
  }

  Journal journal(summary.journal);
  if (journal.header()) {
    const Json& header = *journal.header();
    if (header.value("journal", "") != "generate_dataset" || header.value("version", 0) != kJournalVersion)
      throw UsageError(summary.journal.string() + ": not a generate_dataset journal of this version; rerun with --restart");
    if (header["sampling"] != fingerprint)
      throw UsageError(summary.journal.string() + ": written by a run with different " +
                       describe_difference(header["sampling"], fingerprint) +
                       "; rerun with the original config, or with --restart to discard its " +
                       std::to_string(journal.records().size()) + " answers");
  } else {
    journal.write_header({{"journal", "generate_dataset"}, {"version", kJournalVersion}, {"sampling", fingerprint}});
  }

  // Answers already in the journal.
  std::vector<std::optional<JournalEntry>> answers(prompts.size());
  std::size_t record_no = 0;
  for (const Json& rec : journal.records()) try {
    ++record_no;
    const std::size_t i = rec.at("i").get<std::size_t>();
    if (i >= prompts.size()) continue;  // from a larger earlier run: kept in the journal, unused now
    if (rec.at("prompt") != prompts[i])
      throw Error(summary.journal.string() + ": answer " + std::to_string(i) +
                  " belongs to a different prompt; rerun with --restart");
    JournalEntry e{rec.at("completion").get<std::string>(), std::nullopt};
    if (rec.contains("logprobs") && !rec["logprobs"].is_null())
      e.logprobs = json::decode_value<std::vector<llm::TokenLogprobs>>(rec["logprobs"]);
    answers[i] = std::move(e);
  } catch (const Json::exception&) {
    throw Error(summary.journal.string() + ": record " + std::to_string(record_no) +
                " is not a generate_dataset answer; rerun with --restart");
  }

  std::vector<std::size_t> missing;
  for (std::size_t i = 0; i < prompts.size(); ++i)
    if (!answers[i]) missing.push_back(i);
  summary.reused = prompts.size() - missing.size();
  if (summary.reused) spdlog::info("journal {}: {} of {} answers already there", summary.journal.string(), summary.reused, prompts.size());

  if (!missing.empty()) {
    std::vector<llm::SampleRequest> requests;
    requests.reserve(missing.size());
    const std::int64_t base_seed = cfg.sample_cfg.seed.value_or(0);
    for (std::size_t i : missing)
      requests.push_back({llm::build_simple_chat(prompts[i], cfg.system_prompt), cfg.sample_cfg,
                          llm::derive_seed(base_seed, i)});

    Progress progress("generate_dataset", prompts.size(), summary.reused);
    backend.sample(requests, [&](std::size_t k, llm::LLMResponse response) {
      const std::size_t i = missing[k];
      Json rec = {{"i", i}, {"prompt", prompts[i]}, {"completion", response.completion},
                  {"stop_reason", llm::to_string(response.stop_reason)}};
      if (response.logprobs) rec["logprobs"] = json::encode(*response.logprobs);
      journal.append(rec);
      answers[i] = JournalEntry{std::move(response.completion), std::move(response.logprobs)};
      ++summary.sampled_now;
      progress.advance();
    });
    journal.sync();
    if (summary.sampled_now < missing.size()) {
      if (interrupt::requested()) {
        summary.interrupted = true;
        return summary;
      }
      throw Error("the backend returned " + std::to_string(summary.sampled_now) + " of " +
                  std::to_string(missing.size()) + " answers without an error");
    }
    progress.finish();
  }

  // Assemble the outputs in prompt order.
  files::AtomicWriter raw(paths.raw), filtered(paths.filtered);
  std::optional<files::AtomicWriter> rejected;
  if (paths.rejected) rejected.emplace(*paths.rejected);
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    DatasetRow row{prompts[i], answers[i]->completion, answers[i]->logprobs};
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

}  // namespace sl::datasets
