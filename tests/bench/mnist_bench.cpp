// Benchmark of the MNIST experiment's training step (docs/mnist.md): GFLOP/s of the batched MLP
// training loop as a fraction of the fp32 matmul peak measured in the same run, for
//   - one worker using every thread inside each operation (libtorch + OpenBLAS threads), and
//   - one single-threaded worker per thread, each with its own models (what the tool does),
// plus where the time of one step goes. Not run by ctest.
//
//   mnist_bench [--models 10] [--batch 1024] [--steps 30] [--threads 0]   (--help)
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "batched_adam.hpp"
#include "batched_mlp.hpp"
#include "compute.hpp"
#include "losses.hpp"
#include "sl/core/cli.hpp"
#include "trainer.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using namespace sl::mnist;

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

struct Classify : Objective {
  torch::Tensor labels;
  torch::Tensor loss_grad(const torch::Tensor& idx, const torch::Tensor& logits, torch::Tensor& d) override {
    return cross_entropy_loss_grad(logits, labels.index_select(0, idx.view(-1)).view(idx.sizes()), 10, d);
  }
};

struct Data {
  torch::Tensor x, y;
};

Data make_data(int64_t n) {
  auto gen = at::detail::createCPUGenerator(1);
  return {torch::empty({n, 784}).uniform_(-1, 1, gen), torch::randint(10, {n}, gen, torch::kLong)};
}

// Trains `models` models for one epoch of `steps` steps; returns the matmul FLOPs done.
double train_models(int64_t models, int64_t batch, const Data& data, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  BatchedMlp net(init_mlp(models, 784, 256, 13, gen, torch::kCPU));
  Classify objective;
  objective.labels = data.y;
  std::vector<uint64_t> seeds;
  for (int64_t m = 0; m < models; ++m) seeds.push_back(seed * 1000 + static_cast<uint64_t>(m));
  return train(net, data.x, objective, {"bench", 1, batch, {}, seeds, nullptr}).flop;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Training-step throughput of the MNIST experiment vs the measured fp32 matmul peak", "mnist_bench"};
  int64_t models = 10, batch = 1024, steps = 30;
  int threads = 0;
  app.add_option("--models", models, "Models trained side by side")->capture_default_str();
  app.add_option("--batch", batch, "Batch size")->capture_default_str();
  app.add_option("--steps", steps, "Steps timed per configuration")->capture_default_str();
  app.add_option("--threads", threads, "Threads (0 = one per core)")->capture_default_str();
  app.footer("Example:\n  mnist_bench --models 10 --steps 30");
  if (const auto stop = sl::cli::parse(app, argc, argv)) return *stop;
  threads = resolve_threads(threads);
  torch::NoGradGuard no_grad;
  const Data data = make_data(steps * batch);

  set_compute_threads(threads);
  const MatmulPeak peak = measure_matmul_peak(torch::kCPU);
  set_compute_threads(1);
  const MatmulPeak peak1 = measure_matmul_peak(torch::kCPU);
  std::printf("fp32 matmul peak (2048^3): %.1f GFLOP/s with %d thread(s), %.1f GFLOP/s with 1\n", peak.gflops, threads,
              peak1.gflops);
  std::printf("training step: %lld models, batch %lld, MLP 784-256-256-13, %lld steps per configuration\n",
              static_cast<long long>(models), static_cast<long long>(batch), static_cast<long long>(steps));

  // (a) One worker, every operation split over the threads.
  set_compute_threads(threads);
  train_models(models, batch, make_data(2 * batch), 7);  // warm-up
  auto t0 = Clock::now();
  double flop = train_models(models, batch, data, 1);
  double secs = since(t0);
  std::printf("  1 worker x %d threads:  %6.2f s  %6.1f GFLOP/s  %5.1f%% of peak\n", threads, secs, flop / secs / 1e9,
              100 * flop / secs / 1e9 / peak.gflops);

  // (b) One single-threaded worker per thread, the models split between them (the tool's way).
  set_compute_threads(1);
  t0 = Clock::now();
  std::vector<double> flops(static_cast<std::size_t>(threads));
  std::vector<std::thread> pool;
  for (int w = 0; w < threads; ++w)
    pool.emplace_back([&, w] {
      at::set_num_threads(1);
      const int64_t first = models * w / threads, count = models * (w + 1) / threads - first;
      if (count > 0)
        flops[static_cast<std::size_t>(w)] = train_models(count, batch, data, 2 + static_cast<uint64_t>(w));
    });
  for (auto& t : pool) t.join();
  secs = since(t0);
  flop = 0;
  for (double f : flops) flop += f;
  std::printf("  %d workers x 1 thread:  %6.2f s  %6.1f GFLOP/s  %5.1f%% of peak\n", threads, secs, flop / secs / 1e9,
              100 * flop / secs / 1e9 / peak.gflops);

  // Where one single-threaded step goes (one worker's share of the models).
  const int64_t share = std::max<int64_t>(1, models / threads);
  auto gen = at::detail::createCPUGenerator(3);
  MlpParams params = init_mlp(share, 784, 256, 13, gen, torch::kCPU);
  BatchedMlp net(params);
  MlpParams grads = params.zeros_like();
  BatchedAdam adam(params, {});
  auto x = torch::empty({share, batch, 784});
  auto dlogits = torch::empty({share, batch, 13});
  auto idx = torch::randint(data.x.size(0), {share, batch}, gen, torch::kLong);
  auto labels = torch::randint(10, {share, batch}, gen, torch::kLong);
  double t_gather = 0, t_forward = 0, t_loss = 0, t_backward = 0, t_adam = 0;
  const int reps = 10;
  for (int r = 0; r <= reps; ++r) {
    auto a = Clock::now();
    auto rows = x.view({share * batch, 784});
    at::index_select_out(rows, data.x, 0, idx.view(-1));
    auto b = Clock::now();
    const auto& logits = net.forward(x);
    auto c = Clock::now();
    cross_entropy_loss_grad(logits, labels, 10, dlogits);
    auto d = Clock::now();
    net.backward(dlogits, grads);
    auto e = Clock::now();
    adam.step(params, grads);
    auto f = Clock::now();
    if (r == 0) continue;  // warm-up
    auto s = [](auto p, auto q) { return std::chrono::duration<double>(q - p).count(); };
    t_gather += s(a, b), t_forward += s(b, c), t_loss += s(c, d), t_backward += s(d, e), t_adam += s(e, f);
  }
  const double total = t_gather + t_forward + t_loss + t_backward + t_adam;
  const double step_flop = static_cast<double>(share) * training_step_flop(784, 256, 13, batch);
  std::printf("one single-threaded step of %lld models: %.1f ms, %.1f GFLOP/s = %.1f%% of the 1-thread peak\n",
              static_cast<long long>(share), 1e3 * total / reps, step_flop * reps / total / 1e9,
              100 * step_flop * reps / total / 1e9 / peak1.gflops);
  std::printf("  gather %.1f%%  forward %.1f%%  loss %.1f%%  backward %.1f%%  adam %.1f%%\n", 100 * t_gather / total,
              100 * t_forward / total, 100 * t_loss / total, 100 * t_backward / total, 100 * t_adam / total);
  return 0;
}
