#include "sl/core/progress.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace sl {

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  long s = std::lround(seconds);
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s / 60) % 60);
  else if (s >= 60) std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  else std::snprintf(buf, sizeof buf, "%lds", s);
  return buf;
}

double Progress::log_interval_seconds() {
  if (const char* e = std::getenv("SL_PROGRESS_SECONDS"); e && *e) {
    double v = std::atof(e);
    if (v > 0) return v;
  }
  return 10.0;
}

Progress::Progress(std::string label, std::size_t total, std::size_t already_done)
    : label_(std::move(label)),
      total_(total),
      start_done_(already_done),
      done_(already_done),
      tty_(::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_render_(start_) {
  if (!tty_ && already_done > 0) spdlog::info("{}: resuming, {}/{} already done", label_, already_done, total_);
}

Progress::~Progress() {
  if (!finished_ && tty_ && done_ > start_done_) std::fputs("\n", stderr);
}

double Progress::rate() const {
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  return secs > 0 ? static_cast<double>(done_ - start_done_) / secs : 0.0;
}

void Progress::advance(std::size_t n) {
  done_ += n;
  render(false);
}

void Progress::set_status(std::string status) { status_ = std::move(status); }

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (tty_) {
    std::fprintf(stderr, "\r\033[K%s\n", line().c_str());
  }
  spdlog::info("{}: {}/{} done in {} ({:.1f}/s)", label_, done_, total_, format_duration(secs), rate());
}

std::string Progress::line() const {
  double r = rate();
  double eta = (r > 0 && total_ > done_) ? static_cast<double>(total_ - done_) / r : 0.0;
  double frac = total_ ? static_cast<double>(done_) / static_cast<double>(total_) : 1.0;
  std::string bar;
  if (tty_) {
    constexpr int kWidth = 24;
    int filled = static_cast<int>(frac * kWidth);
    bar = "[" + std::string(filled, '#') + std::string(kWidth - filled, '.') + "] ";
  }
  char buf[160];
  std::snprintf(buf, sizeof buf, "%s %zu/%zu (%.0f%%) %.1f/s ETA %s", label_.c_str(), done_, total_, frac * 100.0, r,
                done_ >= total_ ? "0s" : format_duration(eta).c_str());
  std::string out = tty_ ? label_ + " " + bar + std::string(buf).substr(label_.size() + 1) : buf;
  if (!status_.empty()) out += "  " + status_;
  return out;
}

void Progress::render(bool force) {
  auto now = std::chrono::steady_clock::now();
  double since = std::chrono::duration<double>(now - last_render_).count();
  if (tty_) {
    if (!force && since < 0.1 && done_ < total_) return;
    std::fprintf(stderr, "\r\033[K%s", line().c_str());
    std::fflush(stderr);
  } else {
    if (!force && since < log_interval_seconds()) return;
    spdlog::info("{}", line());
  }
  last_render_ = now;
}

}  // namespace sl
