// Benchmark of local training (RuntimePlugin::train's loop, in-process): tokens/s and
// model-FLOP utilisation against the fp32 matmul rate measured in the same run, and peak RSS.
//
//   lora_train_bench [--threads 1] [--steps 6] [--tiny-steps 60] [--only lora|tiny] [--trace FILE]   (--help)
//
// Two cases:
//   lora  ~10M-parameter Qwen2-architecture model (hidden 256, 4 layers, 8 heads, 2 KV heads,
//         MLP 704, vocabulary 32,000, tied embeddings, random weights), LoRA r 8 on all seven
//         projections, batch 32 x 128 tokens, loss on every position, AdamW (issue 5's case).
//   tiny  the embedded demo's base: hidden 64, 2 layers, 4 heads, MLP 256, vocabulary 1,340,
//         full training from random weights, batch 64 sequences of 20-90 tokens (mean ~55),
//         one thread; prints the projected time of 1,500 steps (the demo's budget: 3 minutes).
//
// FLOPs (counted as the model needs them, per token): forward 2 x (matmul weights of the
// layers) + LoRA 2 x r x (in + out) per adapted projection + attention 4 x head_dim x heads x
// (causal context, mean (T + 1) / 2) per layer + LM head 2 x hidden x vocab per loss token.
// Backward: activation gradients cost what the forward costs (frozen and trained matmuls,
// attention twice: dQK and dAV paths, counted as 2x forward attention), weight gradients cost
// the forward's FLOPs again for every trained matrix (LoRA A and B; all weights and the head in
// full training). Embedding lookups, norms, softmax and the optimizer count zero.
// Utilisation = counted FLOPs / step time / fp32 matmul FLOP/s (torch::mm 2048^3, same threads).
#include <torch/csrc/autograd/profiler_legacy.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "sl/core/cli.hpp"
#include "sl/core/files.hpp"
#include "sl/core/rng.hpp"
#include "sl/local/runtime/compute/device.hpp"
#include "sl/local/runtime/model/architectures/registry.hpp"
#include "sl/local/runtime/model/causal_lm.hpp"
#include "sl/local/runtime/train/trainer.hpp"
#include "torch_bench_support.hpp"

namespace {

using sl::bench::matmul_gflops;
using sl::bench::status_bytes;

using namespace sl::local;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

ModelConfig make_config(std::int64_t hidden, std::int64_t layers, std::int64_t heads, std::int64_t kv_heads,
                        std::int64_t mlp, std::int64_t vocab) {
  ModelConfig c;
  c.architecture = "Qwen2ForCausalLM";
  c.model_type = "qwen2";
  c.vocab_size = vocab;
  c.hidden_size = hidden;
  c.intermediate_size = mlp;
  c.num_hidden_layers = layers;
  c.num_attention_heads = heads;
  c.num_key_value_heads = kv_heads;
  c.head_dim = hidden / heads;
  c.max_position_embeddings = 4096;
  c.rope_theta = 10000;
  c.tie_word_embeddings = true;
  c.eos_token_ids = {};
  return c;
}

// Counted FLOPs of one step over `lengths` (see the header comment).
double step_flops(const ModelConfig& c, const std::vector<std::int64_t>& lengths, std::optional<std::int64_t> lora_r) {
  const double h = c.hidden_size, q = c.q_dim(), kv = c.kv_dim(), m = c.intermediate_size, L = c.num_hidden_layers;
  const double frozen = L * (h * q + 2 * h * kv + q * h + 3 * h * m);
  const double lora = lora_r ? L * (*lora_r) * ((h + q) + 2 * (h + kv) + (q + h) + 2 * (h + m) + (m + h)) : 0;
  double total = 0;
  for (auto T : lengths) {
    const double tokens = static_cast<double>(T), loss_tokens = tokens - 1;
    const double attention = 4.0 * c.head_dim * c.num_attention_heads * L * (tokens + 1) / 2 * tokens;
    const double head = 2 * h * c.vocab_size * loss_tokens;
    const double fwd = 2 * (frozen + lora) * tokens + attention + head;
    double bwd = 2 * (frozen + lora) * tokens + 2 * attention + head;  // activation gradients
    if (lora_r) bwd += 2 * lora * tokens;                              // dA, dB
    else bwd += 2 * frozen * tokens + head;                            // every weight's gradient
    total += fwd + bwd;
  }
  return total;
}

struct CaseResult {
  double seconds_per_step, cpu_seconds_per_step, tokens_per_second, gflops, peak;
};

// CPU time of this process: on a shared machine, wall time includes waiting for a core.
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

CaseResult run_case(const char* name, const TrainingJob& job, const std::vector<TrainingExample>& examples,
                    const ModelConfig& config, std::optional<std::int64_t> lora_r) {
  std::vector<double> step_seconds, cpu_at_step;
  std::vector<std::int64_t> tokens;
  TrainingHooks hooks;
  hooks.on_step = [&](const TrainingStep& s) {
    step_seconds.push_back(s.seconds);
    cpu_at_step.push_back(cpu_seconds());
    tokens.push_back(s.tokens);
  };
  const double peak_before = matmul_gflops();
  train_model(job, examples, hooks);
  const double peak_after = matmul_gflops();
  // The first step warms allocations up; the rest are measured.
  double secs = 0, toks = 0;
  for (std::size_t i = 1; i < step_seconds.size(); ++i) secs += step_seconds[i], toks += static_cast<double>(tokens[i]);
  const double steps = static_cast<double>(step_seconds.size() - 1);
  std::vector<std::int64_t> lengths;
  for (const auto& e : examples) lengths.push_back(static_cast<std::int64_t>(e.ids.size()));
  // Every step sees the same number of examples here, with this mean length.
  const double flops_per_example = step_flops(config, lengths, lora_r) / static_cast<double>(examples.size());
  const double examples_per_step =
      static_cast<double>(job.settings.batch_size * job.settings.gradient_accumulation_steps);
  CaseResult r;
  r.seconds_per_step = secs / steps;
  r.cpu_seconds_per_step = (cpu_at_step.back() - cpu_at_step.front()) / steps;
  r.tokens_per_second = toks / secs;
  r.gflops = flops_per_example * examples_per_step / r.seconds_per_step / 1e9;
  r.peak = std::max(peak_before, peak_after);
  std::printf(
      "%-5s %8.1f ms/step (CPU %.1f ms) %9.0f tok/s %7.1f GFLOP/s  utilisation %5.1f%% of fp32 matmul %.1f GFLOP/s  "
      "(%zu steps measured)\n",
      name, 1e3 * r.seconds_per_step, 1e3 * r.cpu_seconds_per_step, r.tokens_per_second, r.gflops,
      100 * r.gflops / r.peak, r.peak, step_seconds.size() - 1);
  return r;
}

struct Options {
  int threads = 1, steps = 6, tiny_steps = 60;
  std::string only, trace;
};

int measure(const Options& o) {
  const int threads = o.threads;
  configure_threads(threads);
  const fs::path root = fs::temp_directory_path() / "sl-lora-train-bench";
  fs::create_directories(root);
  std::printf("threads %d\n", threads);
  std::ofstream("/proc/self/clear_refs") << "5";
  // --trace FILE: libtorch's operator profile (chrome://tracing JSON) of the whole run.
  std::optional<torch::autograd::profiler::RecordProfile> profile;
  if (!o.trace.empty()) profile.emplace(o.trace);

  if (o.only.empty() || o.only == "lora") {
    const ModelConfig config = make_config(256, 4, 8, 2, 704, 32000);
    const fs::path dir = root / "qwen2-10m";
    if (!fs::exists(dir / "model.safetensors")) {
      auto weights = random_weights(config, 1, 0.02);
      save_checkpoint(dir, config, {weights.begin(), weights.end()});
    }
    sl::Rng rng(7);
    std::vector<TrainingExample> examples(32);
    for (auto& e : examples) {
      for (int t = 0; t < 128; ++t) e.ids.push_back(static_cast<std::int32_t>(rng.below(32000)));
      e.loss_mask.assign(128, 1);
      e.loss_mask[0] = 0;
    }
    TrainingJob job;
    job.model.dir = dir.string();
    job.lora = LoraSettings{};
    job.settings.max_steps = o.steps + 1;
    job.settings.batch_size = 32;
    job.output.dir = root / "adapter";
    job.show_progress = false;
    job.threads = threads;
    std::printf("lora: ~10M parameters, LoRA r 8 on q,k,v,o,gate,up,down, batch 32 x 128 tokens\n");
    run_case("lora", job, examples, config, 8);
  }
  if (o.only.empty() || o.only == "tiny") {
    const ModelConfig config = make_config(64, 2, 4, 4, 256, 1340);
    const fs::path dir = root / "tiny";
    if (!fs::exists(dir / "config.json")) {
      auto weights = random_weights(config, 1, 0.02);
      save_checkpoint(dir, config, {weights.begin(), weights.end()});
    }
    sl::Rng rng(8);
    std::vector<TrainingExample> examples(64 * 8);
    for (auto& e : examples) {
      const auto n = rng.between(20, 90);
      for (std::int64_t t = 0; t < n; ++t) e.ids.push_back(static_cast<std::int32_t>(rng.below(1340)));
      e.loss_mask.assign(static_cast<std::size_t>(n), 1);
      e.loss_mask[0] = 0;
    }
    TrainingJob job;
    job.model.random_init = RandomInit{sl::files::read_text(dir / "config.json"), 1, 0.02};
    job.settings.max_steps = o.tiny_steps + 1;
    job.settings.batch_size = 64;
    job.settings.optimizer.adam_beta2 = 0.98;
    job.settings.optimizer.lr_scheduler_type = "cosine";
    job.settings.optimizer.min_lr_ratio = 0.1;
    job.settings.optimizer.weight_decay = 0.1;
    job.output.dir = root / "tiny-out";
    job.show_progress = false;
    job.threads = threads;
    std::printf("tiny: full training from random weights, batch 64 x 20-90 tokens\n");
    const auto r = run_case("tiny", job, examples, config, std::nullopt);
    std::printf("tiny: 1500 steps would take %.0f s wall, %.0f s of CPU (demo budget 180 s)\n",
                1500 * r.seconds_per_step, 1500 * r.cpu_seconds_per_step);
  }
  std::printf("peak RSS %.1f MB\n", static_cast<double>(status_bytes("VmHWM:")) / 1e6);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{
      "Local training speed: tokens/s and model-FLOP utilisation against the fp32 matmul rate measured\n"
      "in the same run, and peak RSS, for LoRA on a ~10M-parameter model and for the demo's tiny full\n"
      "training. See the header of tests/bench/lora_train_bench.cpp and docs/finetuning-local.md.",
      "lora_train_bench"};
  app.footer("Example:\n  lora_train_bench --threads 2 --steps 6 --only lora");
  app.add_option("--threads", o.threads, "Compute threads")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--steps", o.steps, "Timed steps of the LoRA case (after one warm-up step)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--tiny-steps", o.tiny_steps, "Timed steps of the tiny case (after one warm-up step)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--only", o.only, "Run one case: lora or tiny (default: both)")
      ->check(CLI::IsMember({"lora", "tiny"}));
  app.add_option("--trace", o.trace, "Write libtorch's operator profile of the run (chrome://tracing JSON) to FILE");
  return sl::cli::run(app, argc, argv, [&] { return measure(o); });
}
