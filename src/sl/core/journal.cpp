#include "sl/core/journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sl/core/error.hpp"
#include "sl/core/files.hpp"
#include "sl/core/json_limits.hpp"

namespace sl {

namespace fs = std::filesystem;

Journal::Journal(fs::path path) : path_(std::move(path)) {
  files::ensure_writable(path_);
  std::string text;
  std::error_code ec;
  if (fs::exists(path_, ec)) text = files::read_text(path_);

  // Keep only complete lines; a line without its '\n' was cut by a crash.
  std::size_t complete = text.rfind('\n');
  complete = (complete == std::string::npos) ? 0 : complete + 1;
  std::size_t pos = 0, line_no = 0;
  while (pos < complete) {
    std::size_t end = text.find('\n', pos);
    std::string_view line(text.data() + pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (line.empty()) continue;
    Json value;
    json::check_limits(line, path_.string() + ":" + std::to_string(line_no), json::kMaxLineBytes, "journal line");
    try {
      value = Json::parse(line);
    } catch (const Json::exception&) {  // parse errors, and numbers out of range ("1e400")
      throw Error(path_.string() + ":" + std::to_string(line_no) +
                  ": corrupt journal line; delete the journal or rerun with --restart");
    }
    if (!header_) header_ = std::move(value);
    else records_.push_back(std::move(value));
  }

  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error(path_.string() + ": cannot open journal: " + std::strerror(errno));
  if (::ftruncate(fd_, static_cast<off_t>(complete)) != 0 || ::lseek(fd_, 0, SEEK_END) < 0)
    throw Error(path_.string() + ": cannot repair journal: " + std::strerror(errno));
  last_sync_ = std::chrono::steady_clock::now();
}

Journal::~Journal() {
  if (fd_ >= 0) {
    ::fsync(fd_);
    ::close(fd_);
  }
}

void Journal::write_header(const Json& header) {
  if (header_ || !records_.empty()) throw Error(path_.string() + ": journal already has a header");
  write_line(header);
  header_ = header;
  sync();
}

void Journal::append(const Json& record) {
  write_line(record);
  auto now = std::chrono::steady_clock::now();
  if (now - last_sync_ > std::chrono::seconds(1)) {
    ::fdatasync(fd_);
    last_sync_ = now;
  }
}

void Journal::sync() {
  if (fd_ >= 0) ::fdatasync(fd_);
  last_sync_ = std::chrono::steady_clock::now();
}

void Journal::remove() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  ::unlink(path_.c_str());
}

void Journal::write_line(const Json& value) {
  if (fd_ < 0) throw Error(path_.string() + ": journal is closed");
  std::string line = json::dump(value);
  line += '\n';
  std::string_view rest(line);
  while (!rest.empty()) {
    ssize_t n = ::write(fd_, rest.data(), rest.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(path_.string() + ": cannot append to journal: " + std::strerror(errno));
    }
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace sl
