#include "sl/experiments/mnist/experiment.hpp"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>

#include "batched_mlp.hpp"
#include "compute.hpp"
#include "concurrent_groups.hpp"
#include "evaluate.hpp"
#include "model_group.hpp"
#include "seeds.hpp"
#include "sl/core/progress.hpp"
#include "sl/core/stats.hpp"

namespace sl::mnist {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

ArmResult summarise(Arm arm, const std::vector<GroupResult>& groups) {
  static const char* const kNames[kArms][2] = {{"reference", "reference (untrained)"},
                                               {"teacher", "teacher (trained on labels)"},
                                               {"student_aux", "student, same init, aux logits only"},
                                               {"student_all", "student, same init, all logits"},
                                               {"cross_model_aux", "cross-model student, aux logits only"},
                                               {"cross_model_all", "cross-model student, all logits"}};
  std::vector<double> accuracies, losses;
  for (const auto& g : groups) {
    accuracies.insert(accuracies.end(), g.accuracy[arm].begin(), g.accuracy[arm].end());
    losses.insert(losses.end(), g.loss[arm].begin(), g.loss[arm].end());
  }
  ArmResult a;
  a.name = kNames[arm][0];
  a.description = kNames[arm][1];
  const auto ci = stats::compute_ci(accuracies, 0.95);
  a.accuracy = std::move(accuracies);
  a.mean = ci.mean;
  a.ci95_lower = ci.lower;
  a.ci95_upper = ci.upper;
  if (!losses.empty()) a.final_loss = stats::mean(losses);
  spdlog::info("{}: test accuracy {:.4f} [{:.4f}, {:.4f}]", a.description, a.mean, a.ci95_lower, a.ci95_upper);
  return a;
}

}  // namespace

MnistExperimentResult run_experiment(const MnistExperimentConfig& cfg, const MnistData& data) {
  validate(cfg);
  const torch::Device device = select_device(cfg.device);
  const int threads = resolve_threads(static_cast<int>(cfg.threads));
  torch::NoGradGuard no_grad;  // gradients are computed by hand (batched_mlp.hpp)
  const auto start = Clock::now();

  MnistExperimentResult result;
  result.settings = cfg;
  result.data_dir = data.dir.string();
  const DeviceData train_set = to_device(take_first(data.train, static_cast<std::size_t>(cfg.train_subset)), device);
  const DeviceData test_set = to_device(take_first(data.test, static_cast<std::size_t>(cfg.test_subset)), device);
  const int64_t n_train = train_set.x.size(0), inputs = train_set.x.size(1);
  result.train_examples = n_train;
  result.test_examples = test_set.x.size(0);
  result.noise_examples = n_train;

  PerformanceSummary& perf = result.performance;
  perf.device = device.str();
  perf.threads = threads;
  set_compute_threads(threads);
  const MatmulPeak peak = measure_matmul_peak(device);
  perf.peak_gflops = peak.gflops;
  perf.peak_matmul_size = peak.size;
  perf.peak_seconds = peak.seconds;
  spdlog::info("fp32 matmul peak: {:.1f} GFLOP/s ({}^3 on {}, {} thread(s))", peak.gflops, peak.size, perf.device,
               threads);

  const auto work_start = Clock::now();
  const int64_t n = cfg.n_models;
  auto init_generator = at::detail::createCPUGenerator(derive_seed(cfg.seed, Stream::init));
  const MlpParams reference = init_mlp(n, inputs, cfg.hidden, kNumClasses + cfg.n_aux, init_generator, device);
  // The students' only data: as many uniform noise images as training images.
  auto noise_generator = at::detail::createCPUGenerator(derive_seed(cfg.seed, Stream::noise));
  const torch::Tensor noise = torch::empty({n_train, inputs}).uniform_(-1.0, 1.0, noise_generator).to(device);
  result.cross_model_init = random_derangement(n, derive_seed(cfg.seed, Stream::cross_init));
  const GroupInputs inputs_of_groups{cfg, train_set, test_set, noise, reference, result.cross_model_init};

  // On the CPU one single-threaded worker per thread (concurrent_groups.hpp); on a GPU one.
  const bool cpu = device.is_cpu();
  perf.workers = cpu ? std::min<int64_t>(threads, n) : 1;
  const int64_t batch = std::min(cfg.batch_size, n_train);
  const int64_t steps_per_epoch = (n_train + batch - 1) / batch;
  // Every model is stepped as a teacher and as four students.
  Progress progress("training (model-steps)", static_cast<std::size_t>(5 * n * cfg.epochs * steps_per_epoch));
  std::vector<GroupResult> groups;
  {
    // BLAS's thread pool is process-wide: back to `threads` afterwards, failed or not.
    struct RestoreThreads {
      int threads;
      ~RestoreThreads() { set_compute_threads(threads); }
    } restore{threads};
    if (cpu) set_compute_threads(1);
    groups = run_groups_concurrently(inputs_of_groups, perf.workers, cpu, progress);
  }
  progress.finish();
  perf.work_seconds = seconds_since(work_start);

  for (int a = 0; a < kArms; ++a) result.arms.push_back(summarise(Arm(a), groups));

  for (const auto& g : groups) {
    // The workers ran at the same time: the slowest one's time is the machine's time.
    perf.train_seconds = std::max(perf.train_seconds, g.train_seconds);
    perf.eval_seconds = std::max(perf.eval_seconds, g.eval_seconds);
    perf.train_flop += g.train_flop;
    perf.eval_flop += g.eval_flop;
  }
  perf.train_gflops = perf.train_flop / perf.train_seconds / 1e9;
  perf.work_gflops = (perf.train_flop + perf.eval_flop) / perf.work_seconds / 1e9;
  perf.peak_fraction = perf.train_gflops / perf.peak_gflops;
  perf.work_peak_fraction = perf.work_gflops / perf.peak_gflops;
  perf.total_seconds = seconds_since(start);
  spdlog::info("training: {:.1f} GFLOP in {:.1f} s = {:.1f} GFLOP/s, {:.0f}% of the measured matmul peak",
               perf.train_flop / 1e9, perf.train_seconds, perf.train_gflops, 100 * perf.peak_fraction);
  return result;
}

MnistExperimentResult run_experiment(const MnistExperimentConfig& cfg) {
  validate(cfg);  // before spending time on the data
  const auto start = Clock::now();
  spdlog::info("reading {}", cfg.data_dir);
  const MnistData data = load_mnist(cfg.data_dir);
  const double data_seconds = seconds_since(start);
  MnistExperimentResult result = run_experiment(cfg, data);
  result.performance.data_seconds = data_seconds;
  result.performance.total_seconds += data_seconds;
  return result;
}

}  // namespace sl::mnist
