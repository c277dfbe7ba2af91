#include "concurrent_groups.hpp"

#include <ATen/Parallel.h>

#include <atomic>
#include <chrono>
#include <exception>
#include <thread>

namespace sl::mnist {

namespace {

// Thrown inside a worker to stop it early because another worker failed.
struct StoppedByOtherWorker {};

}  // namespace

std::vector<GroupResult> run_groups_concurrently(const GroupInputs& in, int64_t workers, bool single_threaded,
                                                 Progress& progress) {
  const int64_t n = in.cfg.n_models;
  const auto w_count = static_cast<std::size_t>(workers);
  std::vector<GroupResult> groups(w_count);
  std::vector<std::exception_ptr> errors(w_count);
  std::atomic<int64_t> model_steps{0};
  std::atomic<int64_t> running{workers};
  std::atomic<bool> failed{false};
  std::vector<std::thread> pool;
  for (std::size_t w = 0; w < w_count; ++w) {
    const int64_t first = n * static_cast<int64_t>(w) / workers;
    const int64_t count = n * static_cast<int64_t>(w + 1) / workers - first;
    pool.emplace_back([&, w, first, count] {
      try {
        if (single_threaded) at::set_num_threads(1);  // OpenMP's thread count is per thread
        torch::NoGradGuard no_grad;                   // gradients are computed by hand (batched_mlp.hpp)
        groups[w] = run_model_group(in, first, count, [&](int64_t m) {
          model_steps += m;
          if (failed) throw StoppedByOtherWorker{};
        });
      } catch (const StoppedByOtherWorker&) {
      } catch (...) {
        errors[w] = std::current_exception();
        failed = true;
      }
      --running;
    });
  }
  // Progress is drawn from this thread only: Progress is not thread-safe.
  std::size_t shown = 0;
  auto show = [&] {
    const auto done = static_cast<std::size_t>(model_steps.load());
    progress.advance(done - shown);
    shown = done;
  };
  while (running > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    show();
  }
  for (auto& t : pool) t.join();
  show();
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
  return groups;
}

}  // namespace sl::mnist
