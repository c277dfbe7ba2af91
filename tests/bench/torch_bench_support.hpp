// What the libtorch benchmarks share: the machine's fp32 matmul peak, measured in the same run
// (utilisation figures are ratios to it), the process's memory counters, and the ~11M-parameter
// Qwen2 shape the runtime and distributed benchmarks run.
#pragma once

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <fstream>
#include <sstream>
#include <string>

#include "sl/local/runtime/model/model_config.hpp"

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

// Qwen2, hidden 256, 4 layers, 8 query / 2 KV heads, 32k vocabulary, tied embeddings: ~11M
// parameters, small enough for CPU runs of seconds, with a real model's proportions.
inline sl::local::ModelConfig small_qwen2_config() {
  sl::local::ModelConfig c;
  c.architecture = "Qwen2ForCausalLM";
  c.model_type = "qwen2";
  c.vocab_size = 32000;
  c.hidden_size = 256;
  c.intermediate_size = 704;
  c.num_hidden_layers = 4;
  c.num_attention_heads = 8;
  c.num_key_value_heads = 2;
  c.head_dim = 32;
  c.max_position_embeddings = 4096;
  c.rope_theta = 10000;
  c.tie_word_embeddings = true;
  return c;
}

}  // namespace sl::bench
