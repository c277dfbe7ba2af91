// Benchmark of data-parallel training (docs/distributed.md): LoRA on the ~10M-parameter model of
// lora_train_bench (hidden 256, 4 layers, vocabulary 32,000, LoRA r 8 on all seven projections),
// batch 32 x 128 tokens per rank, one compute thread per rank: 1 rank against N ranks (Gloo over
// loopback), tokens/s of the whole run (global batch tokens / step time), the speed-up, and the
// time per step each rank spends summing gradients (all-reduce of the flat buckets, including
// the wait for the slower rank).
//
//   dist_train_bench [--ranks 2] [--steps 6] [--per-device-batch 32]   (--help)
//
// The program starts itself as the ranks (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT set, as
// tools/launch would); rank 0 prints one RESULT line, which the first process reads.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "sl/core/cli.hpp"
#include "sl/core/error.hpp"
#include "sl/core/rng.hpp"
#include "sl/local/runtime/compute/device.hpp"
#include "sl/local/runtime/distributed/c10d_group.hpp"
#include "sl/local/runtime/model/architectures/registry.hpp"
#include "sl/local/runtime/model/causal_lm.hpp"
#include "sl/local/runtime/train/trainer.hpp"
#include "test_support.hpp"
#include "torch_bench_support.hpp"

namespace {

using namespace sl::local;
namespace fs = std::filesystem;

const fs::path kRoot = fs::temp_directory_path() / "sl-dist-train-bench";

// CPU seconds of this process (all its threads): on a shared machine wall time includes waiting
// for a core, CPU time does not.
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// The all-reduce alone: the summed size of the trained tensors in one flat float32 buffer, all
// ranks lined up by a barrier first; the median of 20.
double synchronized_allreduce_seconds(const LaunchEnv& env, std::int64_t elements) {
  C10dGroup group(env);
  auto flat = torch::ones({elements}, torch::kFloat32);
  std::vector<double> times;
  for (int i = 0; i < 20; ++i) {
    group.barrier("timing");
    const auto t0 = std::chrono::steady_clock::now();
    auto work = group.start_sum(flat);
    group.wait(work, "timing");
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

struct Options {
  int ranks = 2, steps = 6, per_device_batch = 32;
};

// One rank (or the one process): trains steps + 1 steps, rank 0 prints the averages of the
// steps after the first (warm-up).
int worker(const Options& o) {
  const LaunchEnv env = launch_env();
  // Every rank trains on the same 32 x 128 random sequences per rank share.
  const int examples_count = o.per_device_batch * env.world_size;
  sl::Rng rng(7);
  std::vector<TrainingExample> examples(static_cast<std::size_t>(examples_count));
  for (auto& e : examples) {
    for (int t = 0; t < 128; ++t) e.ids.push_back(static_cast<std::int32_t>(rng.below(32000)));
    e.loss_mask.assign(128, 1);
    e.loss_mask[0] = 0;
  }
  TrainingJob job;
  job.model.dir = (kRoot / "qwen2-10m").string();
  job.lora = LoraSettings{};
  job.settings.max_steps = o.steps + 1;
  job.settings.batch_size = o.per_device_batch;
  job.output.dir = kRoot / ("adapter-" + std::to_string(env.world_size));
  job.show_progress = false;
  job.threads = 1;
  job.launch = env;
  std::vector<TrainingStep> steps;
  std::vector<double> cpu;
  TrainingHooks hooks;
  hooks.on_step = [&](const TrainingStep& s) {
    steps.push_back(s);
    cpu.push_back(cpu_seconds());
  };
  const TrainingResult trained = train_model(job, examples, hooks);
  double pure_allreduce = 0;
  if (env.distributed()) {
    LaunchEnv again = env;
    again.master_port += 1;  // a second process group, after the training's
    pure_allreduce = synchronized_allreduce_seconds(again, trained.trainable_parameters);
  }
  if (!env.is_root()) return 0;
  double seconds = 0, tokens = 0, allreduce = 0;
  for (std::size_t i = 1; i < steps.size(); ++i) {
    seconds += steps[i].seconds;
    tokens += static_cast<double>(steps[i].tokens);
    allreduce += steps[i].allreduce_seconds.value_or(0);
  }
  const double n = static_cast<double>(steps.size() - 1);
  std::printf("RESULT %d %.6f %.1f %.6f %.6f %.6f\n", env.world_size, seconds / n, tokens / seconds, allreduce / n,
              (cpu.back() - cpu.front()) / n, pure_allreduce);
  return 0;
}

struct Measured {
  double seconds_per_step, tokens_per_second, allreduce_per_step, cpu_per_step, pure_allreduce;
};

// Starts `world` ranks of this program and reads rank 0's RESULT line.
Measured run_ranks(const Options& o, int world) {
  const std::string self = fs::read_symlink("/proc/self/exe").string();
  int port = sl::test::free_port();
  while (port >= 65535) port = sl::test::free_port();  // the timing group uses port + 1
  const fs::path out = kRoot / ("result-" + std::to_string(world) + ".txt");
  std::string cmd;
  for (int r = 0; r < world; ++r) {
    cmd += "RANK=" + std::to_string(r) + " WORLD_SIZE=" + std::to_string(world) +
           " MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(port) + " SL_DIST_WORKER=1 '" + self + "' --steps " +
           std::to_string(o.steps) + " --per-device-batch " + std::to_string(o.per_device_batch) +
           (r == 0 ? " > '" + out.string() + "'" : " > /dev/null") + " & ";
  }
  cmd += "wait";
  if (std::system(cmd.c_str()) != 0) throw sl::Error("a rank failed: " + cmd);
  std::ifstream in(out);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("RESULT ", 0) != 0) continue;
    std::istringstream s(line.substr(7));
    int w = 0;
    Measured m{};
    s >> w >> m.seconds_per_step >> m.tokens_per_second >> m.allreduce_per_step >> m.cpu_per_step >> m.pure_allreduce;
    return m;
  }
  throw sl::Error("rank 0 printed no RESULT line (see " + out.string() + ")");
}

int measure(const Options& o) {
  fs::create_directories(kRoot);
  const fs::path model = kRoot / "qwen2-10m";
  if (!fs::exists(model / "model.safetensors")) {
    const ModelConfig config = sl::bench::small_qwen2_config();
    auto weights = random_weights(config, 1, 0.02);
    save_checkpoint(model, config, {weights.begin(), weights.end()});
  }
  std::printf("LoRA r 8, ~10M-parameter Qwen2 model, %d x 128 tokens per rank, 1 thread per rank, %d timed steps\n",
              o.per_device_batch, o.steps);
  const Measured one = run_ranks(o, 1);
  std::printf("1 rank : %8.1f ms/step %8.0f tok/s   CPU %.1f ms/step\n", 1e3 * one.seconds_per_step,
              one.tokens_per_second, 1e3 * one.cpu_per_step);
  const Measured many = run_ranks(o, o.ranks);
  std::printf("%d ranks: %8.1f ms/step %8.0f tok/s   CPU %.1f ms/step (rank 0)\n", o.ranks, 1e3 * many.seconds_per_step,
              many.tokens_per_second, 1e3 * many.cpu_per_step);
  std::printf("  gradient sum in the step: %.1f ms/step (%.1f%% of the step; includes waiting for the slower rank)\n",
              1e3 * many.allreduce_per_step, 100 * many.allreduce_per_step / many.seconds_per_step);
  std::printf("  all-reduce alone (ranks lined up, same size): %.2f ms\n", 1e3 * many.pure_allreduce);
  const double speedup = many.tokens_per_second / one.tokens_per_second;
  std::printf("speed-up %.2fx (wall), scaling efficiency %.0f%%\n", speedup, 100 * speedup / o.ranks);
  // With a core per rank, a rank's step takes its CPU time: the speed-up a machine with free
  // cores would show (tokens per rank-CPU-second, times the ranks).
  const double cpu_speedup = o.ranks * (one.cpu_per_step / many.cpu_per_step);
  std::printf("speed-up %.2fx (CPU time per step, a core per rank), scaling efficiency %.0f%%\n", cpu_speedup,
              100 * cpu_speedup / o.ranks);
  std::printf("load average at the end: ");
  std::fflush(stdout);
  std::system("cut -d' ' -f1-3 /proc/loadavg");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{
      "Data-parallel training speed: LoRA on a ~10M-parameter model, 1 rank against N ranks of one\n"
      "thread each (Gloo over loopback): tokens/s, speed-up and all-reduce time per step. See the\n"
      "header of tests/bench/dist_train_bench.cpp and docs/distributed.md.",
      "dist_train_bench"};
  app.footer("Example:\n  dist_train_bench --ranks 2 --steps 6");
  app.add_option("--ranks", o.ranks, "Ranks of the distributed run")->capture_default_str()->check(CLI::Range(2, 64));
  app.add_option("--steps", o.steps, "Timed steps (after one warm-up step)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--per-device-batch", o.per_device_batch, "Sequences of 128 tokens per rank and step")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  return sl::cli::run(app, argc, argv, [&] { return std::getenv("SL_DIST_WORKER") ? worker(o) : measure(o); });
}
