// Progress of long work: a redrawn bar on a terminal, periodic log lines otherwise.
//
//   Progress p("sampling", total, already_done);
//   p.advance();              // one unit done
//   p.set_status("loss 1.2"); // shown after the counts
//   p.finish();
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace sl {

class Progress {
 public:
  Progress(std::string label, std::size_t total, std::size_t already_done = 0);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void advance(std::size_t n = 1);
  void set_status(std::string status);
  void finish();

  std::size_t done() const { return done_; }
  // Units per second over this run (not counting `already_done`).
  double rate() const;

  // Seconds between log lines when stderr is not a terminal (default 10; SL_PROGRESS_SECONDS).
  static double log_interval_seconds();

 private:
  void render(bool force);
  std::string line() const;

  std::string label_;
  std::size_t total_;
  std::size_t start_done_;
  std::size_t done_;
  std::string status_;
  bool tty_;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_render_;
};

// "1h02m", "3m05s", "12s"
std::string format_duration(double seconds);

}  // namespace sl
