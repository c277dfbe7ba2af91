#include "compute.hpp"

#include <dlfcn.h>
#include <torch/cuda.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "sl/core/error.hpp"

namespace sl::mnist {

torch::Device select_device(const std::string& name) {
  if (name == "cpu") return torch::Device(torch::kCPU);
  if (name.rfind("cuda", 0) != 0)
    throw UsageError("--device must be \"cpu\", \"cuda\" or \"cuda:<index>\", got \"" + name + "\"");
  if (!torch::cuda::is_available())
    throw UsageError(
        "--device " + name + ": no CUDA GPU is usable (this libtorch build " +
        std::string(torch::cuda::device_count() == 0 ? "sees no GPU or has no CUDA support" : "cannot use it") +
        "); use --device cpu");
  torch::Device device(name);
  const int64_t count = static_cast<int64_t>(torch::cuda::device_count());
  if (device.has_index() && device.index() >= count)
    throw UsageError("--device " + name + ": only " + std::to_string(count) + " CUDA device(s) visible");
  return device;
}

int resolve_threads(int requested) {
  return requested > 0 ? requested : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

void set_compute_threads(int threads) {
  at::set_num_threads(threads);
  // Debian's libtorch calls the system BLAS (OpenBLAS through update-alternatives), whose thread
  // pool libtorch does not control. Looked up at run time so that any BLAS still works.
  using SetThreads = void (*)(int);
  if (auto set = reinterpret_cast<SetThreads>(::dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) set(threads);
}

void synchronize(torch::Device device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.has_index() ? device.index() : -1);
}

MatmulPeak measure_matmul_peak(torch::Device device) {
  torch::NoGradGuard no_grad;
  MatmulPeak peak;
  peak.size = device.is_cuda() ? 8192 : 2048;
  const auto start = std::chrono::steady_clock::now();
  auto gen = at::detail::createCPUGenerator(12345);
  auto a = torch::empty({peak.size, peak.size}).uniform_(-1, 1, gen).to(device);
  auto b = torch::empty({peak.size, peak.size}).uniform_(-1, 1, gen).to(device);
  auto c = torch::empty({peak.size, peak.size}, a.options());
  at::mm_out(c, a, b);  // warm-up: BLAS thread pool, caches, clocks
  synchronize(device);
  double best = 1e300;
  for (int rep = 0; rep < 5; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    at::mm_out(c, a, b);
    synchronize(device);
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  const double n = static_cast<double>(peak.size);
  peak.gflops = 2.0 * n * n * n / best / 1e9;
  peak.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return peak;
}

double forward_flop(int64_t inputs, int64_t hidden, int64_t outputs, int64_t batch) {
  return 2.0 * static_cast<double>(batch) * static_cast<double>(inputs * hidden + hidden * hidden + hidden * outputs);
}

double training_step_flop(int64_t inputs, int64_t hidden, int64_t outputs, int64_t batch) {
  const double b = static_cast<double>(batch);
  const double in = static_cast<double>(inputs), h = static_cast<double>(hidden), k = static_cast<double>(outputs);
  const double forward = 2 * b * (in * h + h * h + h * k);
  const double weight_grads = forward;                 // one gemm of the same size per layer
  const double input_grads = 2 * b * (h * k + h * h);  // layers 3 and 2 only
  return forward + weight_grads + input_grads;
}

}  // namespace sl::mnist
