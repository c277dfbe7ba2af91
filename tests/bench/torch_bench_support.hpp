// What the libtorch benchmarks share: the machine's fp32 matmul peak, measured in the same run
// (utilisation figures are ratios to it), and the process's memory counters.
#pragma once

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <fstream>
#include <sstream>
#include <string>

namespace sl::bench {

// VmHWM / VmRSS (any "Key:" of /proc/self/status in kB) in bytes.
inline std::size_t status_bytes(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) {
      std::istringstream s(line.substr(std::string(key).size()));
      std::size_t kb = 0;
      s >> kb;
      return kb * 1024;
    }
  }
  return 0;
}

// GFLOP/s of a 2048^3 fp32 torch::mm with the current thread settings: best of 5 after a warm-up.
inline double matmul_gflops() {
  c10::InferenceMode guard;
  auto a = torch::randn({2048, 2048}), b = torch::randn({2048, 2048});
  torch::mm(a, b);
  double best = 0;
  for (int r = 0; r < 5; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    auto c = torch::mm(a, b);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::max(best, 2.0 * 2048 * 2048 * 2048 / s / 1e9);
  }
  return best;
}

}  // namespace sl::bench
