// An append-only JSONL journal that survives crashes and SIGKILL.
//
// Long runs (thousands of API calls, training) write each finished unit of work here as soon as
// it exists. Every record is one write(2) of a whole line, so a killed process loses at most the
// line it was writing; reopening drops such a torn last line. The first record is a header that
// identifies the run (e.g. a hash of its configuration) so that a rerun with different settings
// can refuse to mix results.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <vector>

#include "sl/core/json.hpp"

namespace sl {

class Journal {
 public:
  // Opens `path` for appending, creating it (and its folder) when missing. If the file exists,
  // its header and records are loaded; a torn final line is cut off.
  explicit Journal(std::filesystem::path path);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // The first line of an existing journal, if any.
  const std::optional<Json>& header() const { return header_; }
  // The records after the header that were in the file when it was opened.
  const std::vector<Json>& records() const { return records_; }

  // Writes the header of a new (empty) journal.
  void write_header(const Json& header);
  // Appends one record. Data reaches the kernel at once (safe against SIGKILL); fsync runs at
  // most once a second (safe against power loss up to that window) and in sync().
  void append(const Json& record);
  void sync();

  // Deletes the journal file (after the final outputs are safely written).
  void remove();

 private:
  void write_line(const Json& value);

  std::filesystem::path path_;
  int fd_ = -1;
  std::optional<Json> header_;
  std::vector<Json> records_;
  std::chrono::steady_clock::time_point last_sync_;
};

}  // namespace sl
