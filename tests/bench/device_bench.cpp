// Sampling and LoRA-training throughput of the local runtime on the device SL_DEVICE names (a GPU
// in tools/gpu_check), on a checkpoint folder in Hugging Face layout (tools/gpu/make_checkpoint.py
// writes random-weight ones with the shapes of Qwen2.5-0.5B and -7B). One JSON object per
// measurement on stdout; tools/gpu/report.py puts them next to transformers' figures.
//
//   device_bench sample --model-dir D [--batches 1,64,256] [--prompt 64] [--new-tokens 64]
//   device_bench train  --model-dir D [--batch 8] [--seq 512] [--steps 6] [--lora-r 8]
//   device_bench train  --model-dir D --loss-curve [--steps 8]      (parity: per-step losses)
//
// sample: prompts of random ids, greedy, every sequence exactly --new-tokens long (no stop token),
// all requests in one Generator::run (the whole batch prefilled together, then decoded); one
// warm-up run first. tokens/s = generated tokens / wall time of the run, prefill included.
// train: LoRA r (all seven projections, alpha 2r) through train_model, as run_finetuning_job
// runs it; --batch sequences of --seq tokens, loss on every token; the first step (warm-up) is
// not counted. memory: device memory in use after the run (the driver's view: libtorch's cached
// blocks count, so it is about the peak libtorch reserved).
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "sl/core/cli.hpp"
#include "sl/core/json.hpp"
#include "sl/core/rng.hpp"
#include "sl/local/runtime/compute/device.hpp"
#include "sl/local/runtime/generate/generator.hpp"
#include "sl/local/runtime/model/architectures/registry.hpp"
#include "sl/local/runtime/model/causal_lm.hpp"
#include "sl/local/runtime/model/model_config.hpp"
#include "sl/local/runtime/train/trainer.hpp"

namespace {

using namespace sl::local;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using sl::Json;

struct Options {
  fs::path dir;
  std::vector<int> batches{1, 64, 256};
  int prompt = 64, new_tokens = 64;
  int batch = 8, seq = 512, steps = 6, lora_r = 8;
  bool loss_curve = false;
  fs::path work = "/tmp/sl-device-bench";
};

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

double memory_in_use_gib(const ComputeDevice& device) {
  const auto m = device_memory(device.device);
  return m ? static_cast<double>(m->total_bytes - m->free_bytes) / (1024.0 * 1024.0 * 1024.0) : -1;
}

void emit(const Json& j) {
  std::printf("%s\n", j.dump().c_str());
  std::fflush(stdout);
}

int sample(const Options& o) {
  const ComputeDevice device = choose_device("");
  auto model = load_causal_lm(o.dir, device);
  const std::int64_t vocab = model->config().vocab_size;
  sl::Rng rng(5);
  auto requests_of = [&](int n) {
    std::vector<SequenceRequest> rs(static_cast<std::size_t>(n));
    for (auto& r : rs) {
      for (int t = 0; t < o.prompt; ++t) r.prompt.push_back(static_cast<std::int32_t>(rng.below(vocab)));
      r.max_new_tokens = o.new_tokens;
      r.sampling.temperature = 0;
    }
    return rs;
  };
  for (int batch : o.batches) {
    GeneratorOptions g;
    g.max_batch = batch;
    g.max_prefill_tokens = device.is_cpu() ? 2048 : 16384;
    {
      Generator warm_up(*model, g);  // kernels, cuBLAS handles, the allocator's first blocks
      warm_up.run(requests_of(std::min(batch, 4)), [](std::size_t, SequenceOutput) {});
    }
    Generator timed(*model, g);
    const auto requests = requests_of(batch);
    std::int64_t generated = 0;
    const auto t0 = Clock::now();
    timed.run(requests,
              [&](std::size_t, SequenceOutput out) { generated += static_cast<std::int64_t>(out.tokens.size()); });
    const double secs = seconds_since(t0);
    const auto& s = timed.stats();
    emit({{"bench", "sample"},
          {"engine", "sl"},
          {"device", device.name()},
          {"batch", batch},
          {"slots", timed.batch_slots()},
          {"prompt", o.prompt},
          {"new_tokens", o.new_tokens},
          {"seconds", secs},
          {"tokens_per_s", static_cast<double>(generated) / secs},
          {"prefill_tokens_per_s",
           s.prefill_seconds > 0 ? static_cast<double>(s.prefill_tokens) / s.prefill_seconds : 0},
          {"decode_tokens_per_s", s.decode_seconds > 0 ? static_cast<double>(s.decode_tokens) / s.decode_seconds : 0},
          {"memory_gib", memory_in_use_gib(device)}});
  }
  return 0;
}

int train(const Options& o) {
  const ComputeDevice device = choose_device("");
  std::vector<TrainingExample> examples;
  sl::Rng rng(9);
  const std::int64_t vocab = ModelConfig::from_file(o.dir / "config.json").vocab_size;
  const int n = o.batch * (o.steps + 1);
  for (int i = 0; i < n; ++i) {
    TrainingExample e;
    for (int t = 0; t < o.seq; ++t) e.ids.push_back(static_cast<std::int32_t>(rng.below(vocab)));
    e.loss_mask.assign(e.ids.size(), 1);
    e.loss_mask[0] = 0;
    examples.push_back(std::move(e));
  }
  TrainingJob job;
  job.model.dir = o.dir.string();
  job.lora = LoraSettings{.r = o.lora_r, .lora_alpha = 2.0 * o.lora_r};
  job.settings.max_steps = o.steps + 1;
  job.settings.batch_size = o.batch;
  job.settings.seed = 1;
  job.settings.optimizer.lr = o.loss_curve ? 1e-2 : 1e-4;
  job.settings.optimizer.warmup_steps = 0;
  job.output.dir = o.work / "adapter";
  job.show_progress = false;
  std::vector<TrainingStep> steps;
  TrainingHooks hooks;
  hooks.on_step = [&](const TrainingStep& s) { steps.push_back(s); };
  fs::remove_all(o.work);
  train_model(job, examples, hooks);
  if (o.loss_curve) {
    Json losses = Json::array();
    for (const auto& s : steps) losses.push_back(s.loss);
    emit({{"bench", "loss_curve"}, {"device", device.name()}, {"losses", losses}});
    return 0;
  }
  double secs = 0;
  std::int64_t tokens = 0;
  for (std::size_t i = 1; i < steps.size(); ++i) {  // step 1 warms up
    secs += steps[i].seconds;
    tokens += steps[i].tokens;
  }
  emit({{"bench", "train_lora"},
        {"engine", "sl"},
        {"device", device.name()},
        {"batch", o.batch},
        {"seq", o.seq},
        {"lora_r", o.lora_r},
        {"steps_timed", static_cast<int>(steps.size()) - 1},
        {"seconds", secs},
        {"tokens_per_s", secs > 0 ? static_cast<double>(tokens) / secs : 0},
        {"memory_gib", memory_in_use_gib(device)}});
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{
      "Sampling and LoRA-training throughput of the local runtime on $SL_DEVICE, one JSON line per\n"
      "measurement (see the header of tests/bench/device_bench.cpp; tools/gpu_check runs it).",
      "device_bench"};
  app.footer(
      "Example:\n  SL_DEVICE=cuda device_bench sample --model-dir /tmp/qwen2.5-0.5b-shape --batches 1,64,256\n"
      "  SL_DEVICE=cuda device_bench train --model-dir /tmp/qwen2.5-7b-shape --batch 8 --seq 512");
  app.require_subcommand(1);
  auto* s = app.add_subcommand("sample", "Generation tokens/s at several batch sizes");
  s->add_option("--model-dir", o.dir, "Checkpoint folder (Hugging Face layout)")->required();
  s->add_option("--batches", o.batches, "Batch sizes (comma-separated)")->delimiter(',')->capture_default_str();
  s->add_option("--prompt", o.prompt, "Prompt tokens per sequence")->capture_default_str()->check(CLI::PositiveNumber);
  s->add_option("--new-tokens", o.new_tokens, "Generated tokens per sequence")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  auto* t = app.add_subcommand("train", "LoRA training tokens/s (or the loss curve of a short run)");
  t->add_option("--model-dir", o.dir, "Checkpoint folder (Hugging Face layout)")->required();
  t->add_option("--batch", o.batch, "Sequences per step")->capture_default_str()->check(CLI::PositiveNumber);
  t->add_option("--seq", o.seq, "Tokens per sequence")->capture_default_str()->check(CLI::Range(2, 1 << 20));
  t->add_option("--steps", o.steps, "Timed steps (one warm-up step runs first)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  t->add_option("--lora-r", o.lora_r, "LoRA rank")->capture_default_str()->check(CLI::PositiveNumber);
  t->add_option("--work-dir", o.work, "Scratch folder (emptied first)")->capture_default_str();
  t->add_flag("--loss-curve", o.loss_curve, "Print the per-step losses of a short run instead (parity)");
  return sl::cli::run(app, argc, argv, [&] { return app.got_subcommand(s) ? sample(o) : train(o); });
}
