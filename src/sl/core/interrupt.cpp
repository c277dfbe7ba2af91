#include "sl/core/interrupt.hpp"

#include <unistd.h>

#include <atomic>
#include <csignal>

namespace sl::interrupt {

namespace {
std::atomic<bool> g_requested{false};

extern "C" void on_signal(int sig) {
  if (g_requested.exchange(true)) {
    std::signal(sig, SIG_DFL);
    std::raise(sig);
    return;
  }
  const char msg[] = "\ninterrupt: finishing the current step and saving progress (press again to kill)\n";
  ssize_t ignored = ::write(STDERR_FILENO, msg, sizeof msg - 1);
  (void)ignored;
}
}  // namespace

void install() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: blocking waits wake up and see the flag
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

bool requested() { return g_requested.load(std::memory_order_relaxed); }

void reset() { g_requested = false; }

}  // namespace sl::interrupt
