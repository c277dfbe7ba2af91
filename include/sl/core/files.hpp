// File helpers: whole-file reads with clear errors, and atomic writes.
//
// Atomic write = temporary file in the same folder, fsync, rename over the target, fsync the
// folder. A run that fails leaves either the previous file or none, never half a file.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace sl::files {

// Reads a whole file. A missing or unreadable input is a UsageError naming the path.
std::string read_text(const std::filesystem::path& path);

// Creates the parent folders of `path` and checks that a file can be created there, so that a
// run can fail before it spends time or money. Throws sl::Error naming the path otherwise.
void ensure_writable(const std::filesystem::path& path);

// Writes `content` to `path` atomically (see above).
void write_atomic(const std::filesystem::path& path, std::string_view content);

// Streaming form of write_atomic: write() as often as needed, then commit(). Destroying an
// uncommitted writer removes the temporary file and leaves the target untouched.
class AtomicWriter {
 public:
  explicit AtomicWriter(std::filesystem::path target);
  ~AtomicWriter();
  AtomicWriter(const AtomicWriter&) = delete;
  AtomicWriter& operator=(const AtomicWriter&) = delete;

  void write(std::string_view data);
  void commit();

 private:
  void flush_buffer();

  std::filesystem::path target_;
  std::filesystem::path temp_;
  int fd_ = -1;
  std::string buffer_;
  bool committed_ = false;
};

// fsync a folder so that a rename inside it is durable.
void sync_directory(const std::filesystem::path& dir);

}  // namespace sl::files
