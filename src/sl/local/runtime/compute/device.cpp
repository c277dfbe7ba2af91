#include "sl/local/runtime/compute/device.hpp"

#include <dlfcn.h>
#include <malloc.h>

#include <mutex>
#include <thread>

#include "sl/core/env.hpp"
#include "sl/core/error.hpp"

namespace sl::local {

bool cpu_torch_ops_requested() { return env::get_or("SL_CPU_KERNELS", "") == "torch"; }

namespace {

// Read when the library loads, so that a process samples one way from start to end.
const bool kInferenceOnTorchOps = cpu_torch_ops_requested();

}  // namespace

bool use_cpu_kernels(const torch::Tensor& x) {
  return x.is_cpu() && x.scalar_type() == torch::kFloat32 && !torch::GradMode::is_enabled() && !kInferenceOnTorchOps;
}

ComputeDevice choose_device(const std::string& requested) {
  std::string name = requested;
  if (name.empty()) name = env::get_or("SL_DEVICE", "cpu");
  ComputeDevice d;
  if (name == "cpu") {
    d.torch_ops = cpu_torch_ops_requested();
    return d;
  }
  if (name == "cuda" || name.rfind("cuda:", 0) == 0) {
    if (!torch::cuda::is_available())
      throw UsageError("device \"" + name +
                       "\" requested (SL_DEVICE) but this libtorch has no CUDA support or no GPU is visible; "
                       "build against a CUDA libtorch (CMAKE_PREFIX_PATH) or use SL_DEVICE=cpu");
    try {
      d.device = torch::Device(name);
    } catch (const c10::Error&) {
      throw UsageError("device \"" + name + "\" is not a valid device name (use cpu, cuda or cuda:N)");
    }
    if (d.device.has_index() && d.device.index() >= static_cast<int>(torch::cuda::device_count()))
      throw UsageError("device \"" + name + "\": only " + std::to_string(torch::cuda::device_count()) +
                       " GPU(s) visible");
    if (!d.device.has_index()) d.device = torch::Device(torch::kCUDA, 0);
    d.dtype = torch::kBFloat16;
    d.torch_ops = true;
    return d;
  }
  throw UsageError("device \"" + name + "\" is not supported (SL_DEVICE: cpu, cuda or cuda:N)");
}

int configure_threads(int requested) {
  int n = requested;
  if (n <= 0) {
    if (auto v = env::get("SL_THREADS")) {
      try {
        n = std::stoi(*v);
      } catch (const std::exception&) {
        n = 0;
      }
      if (n <= 0) throw UsageError("SL_THREADS=\"" + *v + "\" is not a positive integer");
    }
  }
  if (n <= 0) n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  torch::set_num_threads(1);
  // libtorch only sets MKL's threads; with OpenBLAS the BLAS pool keeps its own size unless told.
  // The plugin is loaded RTLD_LOCAL, so OpenBLAS is found through its already-loaded handle.
  using SetThreads = void (*)(int);
  for (const char* lib : {"libopenblas.so.0", "libblas.so.3"}) {
    void* handle = dlopen(lib, RTLD_LAZY | RTLD_NOLOAD);
    if (!handle) continue;
    auto set = reinterpret_cast<SetThreads>(dlsym(handle, "openblas_set_num_threads"));
    if (set) set(n);
    dlclose(handle);  // drops only the reference RTLD_NOLOAD added
    if (set) break;
  }
  return n;
}

void keep_freed_memory_for_reuse() {
  static std::once_flag once;
  std::call_once(once, [] {
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);  // glibc's maximum; fixes the threshold
    mallopt(M_TRIM_THRESHOLD, -1);                // never give the heap's top back
  });
}

}  // namespace sl::local
