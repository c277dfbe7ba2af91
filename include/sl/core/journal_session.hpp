// The resumable-run protocol shared by every step that samples many answers.
//
// A run works through N indexed units of work (prompts, answers to judge...). Each finished
// unit is appended to a Journal beside the run's output as soon as it exists; a rerun of the
// same command replays the journal and does only what is missing. The journal's header names
// the tool, the protocol version and every setting that changes what is sampled, so that a
// rerun with other settings refuses to mix results (or, with --restart, starts over).
//
// Sharding: rank r of a world of w processes owns the indices i with i % w == r and journals
// them into its own shard journal. merge_shard_journals() then appends every shard's records,
// in index order, to the journal of the whole run, which a final one-process run replays to
// write the same outputs as a run that was never split.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>

#include "sl/core/journal.hpp"
#include "sl/core/json.hpp"

namespace sl {

// Which indices of the work list one process owns: i % world == rank.
struct Shard {
  std::size_t rank = 0;
  std::size_t world = 1;

  bool owns(std::size_t index) const { return index % world == rank; }
  bool is_whole_run() const { return world == 1; }
};

// What a journal belongs to. A run resumes a journal only when all of it matches.
struct JournalIdentity {
  std::string tool;          // the header's "journal" value: "generate_dataset"
  int version = 1;           // the header's "version": bump when records change meaning
  std::string settings_key;  // the header key that holds `settings`: "sampling"
  Json settings;             // an object: every setting that changes what is sampled
  std::string rerun_advice;  // how to resume instead: "the original config"
  std::string record_noun;   // what the records are, for messages: "answers"
};

// `<output>.journal.jsonl`: the journal of the (whole) run that writes `output`.
std::filesystem::path journal_path_for(const std::filesystem::path& output);
// The journal of one shard of that run: `<output>.journal.shard-R-of-W.jsonl`; for a whole run
// (world 1) the same as journal_path_for(output).
std::filesystem::path shard_journal_path(const std::filesystem::path& output, const Shard& shard);

// The names of the settings whose values differ between two fingerprints ("sample_cfg, model").
std::string describe_difference(const Json& old_settings, const Json& new_settings);

class JournalSession {
 public:
  // Opens the journal of `output` for `shard` (discarding it first when `restart`), checks that
  // an existing journal has the same identity (sl::UsageError otherwise) or writes the header
  // of a new one.
  JournalSession(const std::filesystem::path& output, JournalIdentity identity, bool restart, Shard shard = {});

  const std::filesystem::path& path() const { return journal_.path(); }
  const Shard& shard() const { return shard_; }
  const JournalIdentity& identity() const { return identity_; }

  // Calls `read` with each record that was in the journal when it was opened, in file order. A
  // record that `read` cannot decode (a JSON type/key error or a JsonDecodeError) becomes
  // "<journal>: record N is not a <tool> record; rerun with --restart".
  void replay(const std::function<void(const Json& record)>& read) const;

  // Appends one record (see Journal::append for durability) / forces records to disk.
  void append(const Json& record) { journal_.append(record); }
  void sync() { journal_.sync(); }
  // Deletes the journal file (once its records are safely elsewhere).
  void remove();

 private:
  JournalIdentity identity_;
  Shard shard_;
  Journal journal_;
};

// Appends the records of the `world` shard journals of `output` to the journal of the whole run
// (creating it, or checking that it has the same identity), in index order as given by
// `index_of` (records of one index keep their order), then deletes the shard journals. Records
// already in the whole run's journal are not appended twice, so a merge interrupted before the
// deletion can simply be repeated. Throws sl::UsageError when a shard journal is missing or was
// written with another identity.
void merge_shard_journals(const std::filesystem::path& output, const JournalIdentity& identity, std::size_t world,
                          const std::function<std::size_t(const Json& record)>& index_of);

}  // namespace sl
