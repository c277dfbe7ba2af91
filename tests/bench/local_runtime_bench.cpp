// Benchmark of the local runtime: prefill and decode tokens/s of a ~11M-parameter Qwen2-
// architecture model (hidden 256, 4 layers, 8 heads, 2 KV heads, MLP 704, vocabulary 32,000,
// tied embeddings, random weights) at several batch sizes, prompts of 64 tokens, with the
// machine's fp32 matmul rate measured in the same run, and the peak-RSS cost of loading.
//
//   local_runtime_bench [--threads 1,2] [--batches 1,16,64,256] [--new-tokens 64] [--repeats 3]
//                       [--model-dir /tmp/sl-bench-qwen2-11m]      (--help: every flag)
//
// FLOPs are counted as the model needs them: 2 x (matmul parameters of the layers) per token,
// plus attention (QK^T and AV over the causal context: 4 x context x head_dim x heads per
// token and layer), plus the LM head (2 x hidden x vocab) for each token whose logits are
// computed (the last prompt token in prefill, every token in decode). Embedding lookups and
// norms count zero. Utilisation = achieved FLOP/s / fp32 matmul FLOP/s (torch::mm, 2048^3, same
// thread count), the matmul measured right before each phase (the machine may be shared).
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "sl/core/cli.hpp"
#include "sl/local/runtime/generate/generator.hpp"
#include "sl/local/runtime/model/architectures/registry.hpp"
#include "sl/local/runtime/model/causal_lm.hpp"
#include "torch_bench_support.hpp"

namespace {

using sl::bench::matmul_gflops;
using sl::bench::status_bytes;

using namespace sl::local;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Flops {
  double layer_params;       // matmul parameters of all layers
  double attention_per_key;  // 4 x head_dim x heads x layers
  double lm_head;
};

Flops flops_of(const ModelConfig& c) {
  const double h = c.hidden_size, q = c.q_dim(), kv = c.kv_dim(), inter = c.intermediate_size;
  const double per_layer = h * q + 2 * h * kv + q * h + 3 * h * inter;
  return {per_layer * c.num_hidden_layers, 4.0 * c.head_dim * c.num_attention_heads * c.num_hidden_layers,
          h * c.vocab_size};
}

struct Options {
  std::vector<int> threads_list{1, 2}, batches{1, 16, 64, 256};
  int new_tokens = 64, repeats = 3;
  fs::path dir = "/tmp/sl-bench-qwen2-11m";
};

// Measures and prints; `argv` restarts this process once the checkpoint is written.
int measure(const Options& o, char** argv) {
  const fs::path& dir = o.dir;
  const std::vector<int>& threads_list = o.threads_list;
  const std::vector<int>& batches = o.batches;
  const int new_tokens = o.new_tokens, repeats = o.repeats;
  const int prompt_len = 64;
  const ModelConfig config = sl::bench::small_qwen2_config();
  if (!fs::exists(dir / "model.safetensors")) {
    // Written once, then measured in a fresh process so that writing does not inflate peak RSS.
    auto weights = random_weights(config, 1234, 0.02);
    save_checkpoint(dir, config, {weights.begin(), weights.end()});
    std::fprintf(stderr, "wrote %s; restarting to measure\n", dir.c_str());
    execv("/proc/self/exe", argv);
    return 1;
  }
  const double file_mb = static_cast<double>(fs::file_size(dir / "model.safetensors")) / 1e6;

  // Loading: RSS before, then peak RSS after loading and after one generation (which reads
  // every weight, so that all mapped pages are resident). A generation with a small in-memory
  // model of the same architecture runs first, so that libtorch's and OpenBLAS's one-time
  // buffers and the code pages they touch are not counted as the checkpoint's.
  configure_threads(threads_list.front());
  keep_freed_memory_for_reuse();  // as the engine does on the CPU
  {
    ModelConfig small = config;
    small.vocab_size = 512;
    TensorMapWeights weights(random_weights(small, 1), ComputeDevice{}, "warm-up model");
    auto warm = build_causal_lm(small, weights, ComputeDevice{}, "warm-up model");
    Generator g(*warm, GeneratorOptions{.max_batch = 1});
    SequenceRequest r;
    r.prompt.assign(8, 5);
    r.max_new_tokens = 2;
    g.run({r}, [](std::size_t, SequenceOutput) {});
  }
  std::ofstream("/proc/self/clear_refs") << "5";  // resets VmHWM (peak RSS) to the current RSS
  const std::size_t rss0 = status_bytes("VmRSS:");
  const auto t0 = Clock::now();
  auto model = load_causal_lm(dir, ComputeDevice{});
  const double load_s = std::chrono::duration<double>(Clock::now() - t0).count();
  const std::size_t hwm1 = status_bytes("VmHWM:");
  {
    Generator g(*model, GeneratorOptions{.max_batch = 1});
    SequenceRequest r;
    r.prompt.assign(8, 5);
    r.max_new_tokens = 2;
    g.run({r}, [](std::size_t, SequenceOutput) {});
  }
  const std::size_t hwm2 = status_bytes("VmHWM:");
  std::printf("model: %s, %.2fM parameters (tied embeddings), file %.1f MB, load %.3f s\n", config.architecture.c_str(),
              static_cast<double>(model->parameter_count()) / 1e6, file_mb, load_s);
  std::printf("peak RSS added: by loading %.1f MB (%.2fx file), by loading + first generation %.1f MB (%.2fx file)\n",
              (hwm1 - rss0) / 1e6, (hwm1 - rss0) / 1e6 / file_mb, (hwm2 - rss0) / 1e6, (hwm2 - rss0) / 1e6 / file_mb);

  const Flops f = flops_of(config);
  std::printf("\n%-7s %-5s | %12s %8s %6s | %12s %8s %6s | %s\n", "threads", "batch", "prefill tok/s", "GFLOP/s",
              "util", "decode tok/s", "GFLOP/s", "util", "matmul GFLOP/s");
  for (int threads : threads_list) {
    configure_threads(threads);
    for (int batch : batches) {
      std::vector<SequenceRequest> requests;
      for (int b = 0; b < batch; ++b) {
        SequenceRequest r;
        for (int t = 0; t < prompt_len; ++t)
          r.prompt.push_back(static_cast<std::int32_t>((b * 7919 + t * 104729) % 32000));
        r.max_new_tokens = new_tokens;
        r.sampling.temperature = 1.0;
        r.sampling.seed = static_cast<std::uint64_t>(b);
        requests.push_back(std::move(r));
      }
      double best_prefill = 0, best_decode = 0, peak = 0;
      for (int rep = 0; rep < repeats; ++rep) {
        peak = std::max(peak, matmul_gflops());
        Generator g(*model, GeneratorOptions{.max_batch = batch});
        g.run(requests, [](std::size_t, SequenceOutput) {});
        const auto& s = g.stats();
        best_prefill = std::max(best_prefill, s.prefill_tokens / s.prefill_seconds);
        if (s.decode_tokens > 0) best_decode = std::max(best_decode, s.decode_tokens / s.decode_seconds);
      }
      // FLOPs per token, averaged over the phase.
      const double prefill_flops =
          2 * f.layer_params + f.attention_per_key * (prompt_len + 1) / 2.0 + 2 * f.lm_head / prompt_len;
      const double mean_context = prompt_len + (new_tokens - 1) / 2.0 + 0.5;  // keys seen per decode step, on average
      const double decode_flops = 2 * f.layer_params + f.attention_per_key * mean_context + 2 * f.lm_head;
      const double pg = best_prefill * prefill_flops / 1e9, dg = best_decode * decode_flops / 1e9;
      std::printf("%-7d %-5d | %12.0f %8.1f %5.0f%% | %12.0f %8.1f %5.0f%% | %.1f\n", threads, batch, best_prefill, pg,
                  100 * pg / peak, best_decode, dg, 100 * dg / peak, peak);
      std::fflush(stdout);
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{
      "Prefill and decode tokens/s of the local runtime on a ~11M-parameter Qwen2-architecture model\n"
      "(random weights), as a fraction of the fp32 matmul rate measured in the same run; peak RSS of\n"
      "loading. See the header of tests/bench/local_runtime_bench.cpp and docs/local-runtime.md.",
      "local_runtime_bench"};
  app.footer("Example:\n  local_runtime_bench --threads 1,2 --batches 1,16,64,256 --new-tokens 64 --repeats 3");
  app.add_option("--threads", o.threads_list, "Thread counts to measure (comma-separated)")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--batches", o.batches, "Batch sizes to measure (comma-separated)")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--new-tokens", o.new_tokens, "Tokens generated per sequence")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--repeats", o.repeats, "Runs per configuration (the best counts)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--model-dir", o.dir, "Checkpoint folder (written on first use)")->capture_default_str();
  return sl::cli::run(app, argc, argv, [&] { return measure(o, argv); });
}
