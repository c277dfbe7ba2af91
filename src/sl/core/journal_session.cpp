#include "sl/core/journal_session.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "sl/core/error.hpp"

namespace sl {

namespace fs = std::filesystem;

namespace {

const Shard& checked(const Shard& shard) {
  if (shard.world == 0 || shard.rank >= shard.world)
    throw UsageError("shard rank " + std::to_string(shard.rank) + " of world size " + std::to_string(shard.world) +
                     ": the rank must be below the world size");
  return shard;
}

// The journal path for `shard`, after deleting that journal when the run starts over.
fs::path discard_if(bool restart, fs::path path) {
  std::error_code ec;
  if (restart && fs::remove(path, ec)) spdlog::info("discarded journal {}", path.string());
  return path;
}

}  // namespace

fs::path journal_path_for(const fs::path& output) { return fs::path(output.string() + ".journal.jsonl"); }

fs::path shard_journal_path(const fs::path& output, const Shard& shard) {
  if (checked(shard).is_whole_run()) return journal_path_for(output);
  return fs::path(output.string() + ".journal.shard-" + std::to_string(shard.rank) + "-of-" +
                  std::to_string(shard.world) + ".jsonl");
}

std::string describe_difference(const Json& old_settings, const Json& new_settings) {
  std::string keys;
  for (auto it = new_settings.begin(); it != new_settings.end(); ++it)
    if (!old_settings.is_object() || !old_settings.contains(it.key()) || old_settings[it.key()] != it.value())
      keys += (keys.empty() ? "" : ", ") + it.key();
  return keys.empty() ? "settings" : keys;
}

JournalSession::JournalSession(const fs::path& output, JournalIdentity identity, bool restart, Shard shard)
    : identity_(std::move(identity)),
      shard_(checked(shard)),
      journal_(discard_if(restart, shard_journal_path(output, shard_))) {
  if (!journal_.header()) {
    journal_.write_header(
        {{"journal", identity_.tool}, {"version", identity_.version}, {identity_.settings_key, identity_.settings}});
    return;
  }
  const Json& header = *journal_.header();
  if (!header.is_object() || header.value("journal", Json()) != identity_.tool ||
      header.value("version", Json()) != identity_.version)
    throw UsageError(path().string() + ": not a " + identity_.tool + " journal of this version; rerun with --restart");
  const Json old_settings = header.value(identity_.settings_key, Json());
  if (old_settings != identity_.settings)
    throw UsageError(path().string() + ": written by a run with different " +
                     describe_difference(old_settings, identity_.settings) + "; rerun with " + identity_.rerun_advice +
                     ", or with --restart to discard its " + std::to_string(journal_.records().size()) + " " +
                     identity_.record_noun);
}

void JournalSession::replay(const std::function<void(const Json& record)>& read) const {
  std::size_t record_no = 0;
  for (const Json& record : journal_.records()) {
    ++record_no;
    auto unreadable = [&] {
      return Error(path().string() + ": record " + std::to_string(record_no) + " is not a " + identity_.tool +
                   " record; rerun with --restart");
    };
    try {
      read(record);
    } catch (const Json::exception&) {
      throw unreadable();
    } catch (const JsonDecodeError&) {
      throw unreadable();
    }
  }
}

void JournalSession::remove() { journal_.remove(); }

void merge_shard_journals(const fs::path& output, const JournalIdentity& identity, std::size_t world,
                          const std::function<std::size_t(const Json& record)>& index_of) {
  for (std::size_t rank = 0; rank < world; ++rank) {
    const fs::path path = shard_journal_path(output, {rank, world});
    std::error_code ec;
    if (!fs::exists(path, ec))
      throw UsageError(path.string() + ": missing; shard " + std::to_string(rank) + " of " + std::to_string(world) +
                       " has not run (run it, then merge again)");
  }
  JournalSession whole(output, identity, /*restart=*/false);
  std::set<std::string> already;  // records the whole run's journal holds (from an earlier merge)
  whole.replay([&](const Json& record) { already.insert(json::dump(record)); });

  std::vector<std::unique_ptr<JournalSession>> shards;
  std::vector<std::pair<std::size_t, Json>> records;  // (index, record)
  for (std::size_t rank = 0; rank < world; ++rank) {
    shards.push_back(std::make_unique<JournalSession>(output, identity, /*restart=*/false, Shard{rank, world}));
    shards.back()->replay([&](const Json& record) {
      if (!already.count(json::dump(record))) records.emplace_back(index_of(record), record);
    });
  }
  std::stable_sort(records.begin(), records.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [index, record] : records) whole.append(record);
  whole.sync();
  for (auto& shard : shards) shard->remove();
  spdlog::info("merged {} records from {} shard journals into {}", records.size(), world, whole.path().string());
}

}  // namespace sl
