#include "sl/core/files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "sl/core/error.hpp"

namespace sl::files {

namespace fs = std::filesystem;

namespace {

std::string errno_text() { return std::strerror(errno); }

fs::path parent_or_dot(const fs::path& p) {
  fs::path parent = p.parent_path();
  return parent.empty() ? fs::path(".") : parent;
}

void write_all(int fd, std::string_view data, const fs::path& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(path.string() + ": write failed: " + errno_text());
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

std::string read_text(const fs::path& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw UsageError(path.string() + ": is a directory, expected a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(path.string() + ": cannot read file: " + errno_text());
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw Error(path.string() + ": read failed: " + errno_text());
  return ss.str();
}

void ensure_writable(const fs::path& path) {
  if (path.empty()) throw UsageError("empty output path");
  std::error_code ec;
  fs::path dir = parent_or_dot(path);
  fs::create_directories(dir, ec);
  if (ec) throw Error(path.string() + ": cannot create folder " + dir.string() + ": " + ec.message());
  if (fs::is_directory(path, ec)) throw Error(path.string() + ": is a directory, expected a file path");
  // Probe with a temporary file: checks permissions and free inodes without touching `path`.
  fs::path probe = dir / (".sl-write-probe-" + std::to_string(::getpid()));
  int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw Error(path.string() + ": cannot write in " + dir.string() + ": " + errno_text());
  ::close(fd);
  ::unlink(probe.c_str());
}

void sync_directory(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // best effort: some filesystems do not allow opening folders
  ::fsync(fd);
  ::close(fd);
}

AtomicWriter::AtomicWriter(fs::path target) : target_(std::move(target)) {
  ensure_writable(target_);
  // Unique per writer, not only per process: two threads writing the same target (a job's
  // state file updated by a runner and by a cancel) must not share, and steal, a temporary file.
  static std::atomic<unsigned> writers{0};
  temp_ = parent_or_dot(target_) / ("." + target_.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" +
                                    std::to_string(writers.fetch_add(1)));
  fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error(target_.string() + ": cannot create temporary file: " + errno_text());
}

AtomicWriter::~AtomicWriter() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(temp_.c_str());
}

void AtomicWriter::write(std::string_view data) {
  buffer_.append(data);
  if (buffer_.size() >= (1u << 20)) flush_buffer();
}

void AtomicWriter::flush_buffer() {
  write_all(fd_, buffer_, target_);
  buffer_.clear();
}

void AtomicWriter::commit() {
  if (committed_) return;
  flush_buffer();
  if (::fsync(fd_) != 0) throw Error(target_.string() + ": fsync failed: " + errno_text());
  ::close(fd_);
  fd_ = -1;
  if (::rename(temp_.c_str(), target_.c_str()) != 0)
    throw Error(target_.string() + ": cannot replace file: " + errno_text());
  committed_ = true;
  sync_directory(parent_or_dot(target_));
}

void write_atomic(const fs::path& path, std::string_view content) {
  AtomicWriter w(path);
  w.write(content);
  w.commit();
}

}  // namespace sl::files
