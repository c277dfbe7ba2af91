// Step 1 of an experiment: sample a teacher's answers to a prompt set and filter them.
//
// Resumable: every answer is appended to a journal beside the raw output as it arrives
// (`<raw_dataset_path>.journal.jsonl`). A rerun of the same command after a crash, SIGKILL or
// Ctrl-C asks only for the missing prompts, and the final files are identical to those of an
// uninterrupted run. The journal's header records every setting that affects sampling; a rerun
// with different settings refuses (or, with `restart`, discards the journal). Filters do not
// affect sampling, so changing them reuses every answer; growing `prompt_set.size` asks only for
// the new prompts (the prompt stream does not depend on the size).
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sl/core/journal_session.hpp"
#include "sl/datasets/data_models.hpp"
#include "sl/llm/backend.hpp"

namespace sl::datasets {

struct GenerationPaths {
  std::filesystem::path raw;
  std::filesystem::path filtered;
  std::optional<std::filesystem::path> rejected;
};

struct GenerationOptions {
  bool restart = false;               // discard an existing journal
  std::filesystem::path config_file;  // relative paths in the config resolve from here
  // Sample only prompts i with i % world == rank, into this shard's own journal, and write no
  // outputs; merge_dataset_shards() then joins the shards (see sl/core/journal_session.hpp).
  Shard shard;
};

struct GenerationSummary {
  std::size_t total = 0;        // prompts in the set
  std::size_t sampled_now = 0;  // answers requested in this run (of this run's shard)
  std::size_t reused = 0;       // answers taken from the journal (of this run's shard)
  std::size_t passed = 0;       // rows that passed every filter
  std::map<std::string, std::size_t> reject_reason_counts;
  bool interrupted = false;  // stopped by Ctrl-C before all answers arrived
  std::filesystem::path journal;
};

// The prompts of the configured prompt set, in order.
std::vector<std::string> build_prompts(const DatasetCfg& cfg, const std::filesystem::path& config_file);

// Runs step 1 with `backend` (which must serve cfg.model). Writes the raw, filtered and (when
// asked) rejected files atomically, in prompt order. Throws sl::UsageError for configuration
// problems (before any request is made) and sl::Error for failures while sampling (the journal
// keeps everything that arrived).
GenerationSummary generate_dataset(const DatasetCfg& cfg, llm::Backend& backend, const GenerationPaths& paths,
                                   const GenerationOptions& options);

// Joins the journals of the `world` shards of a sharded run into the journal of `raw_path`, so
// that generate_dataset() without a shard then writes the outputs from it without sampling,
// byte for byte those of a run that was never split.
void merge_dataset_shards(const DatasetCfg& cfg, const std::filesystem::path& raw_path,
                          const std::filesystem::path& config_file, std::size_t world);

}  // namespace sl::datasets
