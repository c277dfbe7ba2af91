// Runs, with the kernel build SL_CPU_KERNELS picks, a short LoRA training (cross-entropy), a
// short full training (top-k KL over a token subset), a seeded generation with the trained
// adapter and a scoring pass, and writes every result as exact bits for kernel_paths_test.
//
//   kernel_paths_worker <tiny checkpoint folder> <output folder>
//
// Prints "kernel path: <name>" first. Output files: lora/ and full/ (the trained weights, as the
// trainer writes them), steps.txt (loss and grad norm of every step), generation.txt (token ids
// and log-probabilities), scores.txt.
#include <bit>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "sl/core/rng.hpp"
#include "sl/local/runtime/generate/local_engine.hpp"
#include "sl/local/runtime/kernels/simd.hpp"
#include "sl/local/runtime/train/trainer.hpp"

namespace {

namespace fs = std::filesystem;
using namespace sl::local;

std::string bits(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(std::bit_cast<std::uint64_t>(v)));
  return buf;
}

// Examples over byte tokens: a fixed prompt and a 6-token completion drawn from 10 letters.
std::vector<TrainingExample> examples(int n, bool soft) {
  std::vector<TrainingExample> out;
  sl::Rng rng(7);
  for (int i = 0; i < n; ++i) {
    TrainingExample e;
    for (int t = 0; t < 8 + i % 5; ++t) e.ids.push_back(static_cast<std::int32_t>(40 + (i * 3 + t) % 40));
    e.loss_mask.assign(e.ids.size(), 0);
    for (int t = 0; t < 6; ++t) {
      e.ids.push_back(static_cast<std::int32_t>(97 + rng.below(10)));
      e.loss_mask.push_back(1);
      if (soft) {
        SoftTarget s;
        for (int k = 0; k < 4; ++k) {
          s.ids.push_back(static_cast<std::int32_t>(97 + rng.below(12)));
          s.logprobs.push_back(-0.5f - static_cast<float>(k) - static_cast<float>(rng.below(100)) / 100.0f);
        }
        e.soft_targets.push_back(std::move(s));
      }
    }
    out.push_back(std::move(e));
  }
  return out;
}

TrainingJob job_for(const fs::path& model, const fs::path& out, bool lora) {
  TrainingJob job;
  job.model.dir = model.string();
  if (lora) job.lora = LoraSettings{.r = 4, .lora_alpha = 8};
  job.settings.max_steps = 4;
  job.settings.batch_size = 6;
  job.settings.seed = 3;
  job.settings.optimizer.lr = 1e-2;
  job.settings.optimizer.warmup_steps = 1;
  job.settings.optimizer.weight_decay = 0.01;
  job.settings.optimizer.max_grad_norm = 0.5;  // clipping: sum_of_squares decides the scale
  if (!lora) {
    job.settings.loss = "kl_topk";
    for (std::int32_t id = 90; id < 115; ++id) job.settings.kl_token_ids.push_back(id);
  }
  job.output.dir = out;
  job.show_progress = false;
  job.threads = 1;
  return job;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: kernel_paths_worker <tiny checkpoint folder> <output folder>\n");
    return 2;
  }
  try {
    const fs::path model = argv[1], out = argv[2];
    std::printf("kernel path: %s\n", simd::name_of(simd::kernel_path()));
    std::fflush(stdout);

    std::ofstream steps(out / "steps.txt");
    TrainingHooks hooks;
    hooks.on_step = [&](const TrainingStep& s) {
      steps << s.step << ' ' << bits(s.loss) << ' ' << bits(s.grad_norm) << '\n';
    };
    train_model(job_for(model, out / "lora", true), examples(24, false), hooks);
    train_model(job_for(model, out / "full", false), examples(24, true), hooks);

    EngineOptions options;
    options.model = model.string();
    options.adapters = {{"trained", out / "lora"}};
    options.threads = 1;
    options.show_progress = false;
    auto engine = load_local_engine(options);
    std::vector<GenerationRequest> requests;
    for (int i = 0; i < 6; ++i) {
      GenerationRequest r;
      r.messages = {{"user", "Say something number " + std::to_string(i)}};
      r.temperature = i == 0 ? 0.0 : 0.7 + 0.1 * i;
      r.top_p = i % 2 ? 0.9 : 1.0;
      r.max_tokens = 20;
      r.seed = 100 + static_cast<std::uint64_t>(i);
      r.logprobs = 3;
      r.adapter = i % 3 ? "trained" : "";
      requests.push_back(r);
    }
    std::vector<GenerationResult> results(requests.size());
    engine->generate(requests, [&](std::size_t i, GenerationResult r) { results[i] = std::move(r); });
    std::ofstream gen(out / "generation.txt");
    for (const auto& r : results) {
      for (std::size_t t = 0; t < r.token_ids.size(); ++t) {
        gen << r.token_ids[t] << ' ' << bits(r.logprobs.at(t).chosen.logprob);
        for (const auto& alt : r.logprobs[t].top) gen << ' ' << alt.id << ':' << bits(alt.logprob);
        gen << '\n';
      }
      gen << "end " << r.finish_reason << '\n';
    }

    ScoreRequest s;
    s.messages = {{"user", "Favourite letter?"}};
    for (std::int32_t a = 97; a < 123; ++a) s.continuations.push_back({a, 10});
    std::ofstream scores(out / "scores.txt");
    for (const std::string adapter : {"", "trained"}) {
      s.adapter = adapter;
      const auto got = engine->score({s});
      for (double lp : got.at(0)) scores << bits(lp) << '\n';
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
