#include "sl/local/runtime/compute/device.hpp"

#include <dlfcn.h>
#include <link.h>
#include <malloc.h>

#include <cmath>
#include <cstring>
#include <mutex>
#include <thread>

#include "sl/core/env.hpp"
#include "sl/core/error.hpp"

namespace sl::local {

bool torch_ops_requested() { return env::get_or("SL_CPU_KERNELS", "") == "torch"; }

namespace {

// Read when the library loads, so that a process samples one way from start to end.
const bool kInferenceOnTorchOps = torch_ops_requested();

}  // namespace

bool use_cpu_kernels(const torch::Tensor& x) {
  return x.is_cpu() && x.scalar_type() == torch::kFloat32 && !torch::GradMode::is_enabled() && !kInferenceOnTorchOps;
}

namespace {

// $SL_DTYPE, else the device's default.
torch::ScalarType compute_dtype(torch::ScalarType device_default) {
  const auto v = env::get("SL_DTYPE");
  if (!v) return device_default;
  if (*v == "float32") return torch::kFloat32;
  if (*v == "bfloat16") return torch::kBFloat16;
  throw UsageError("SL_DTYPE=\"" + *v + "\" is not one of float32, bfloat16");
}

}  // namespace

ComputeDevice choose_device(const std::string& requested) {
  std::string name = requested;
  if (name.empty()) name = env::get_or("SL_DEVICE", "cpu");
  ComputeDevice d;
  if (name == "cpu") {
    d.torch_ops = torch_ops_requested();
    d.dtype = compute_dtype(torch::kFloat32);
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
    d.dtype = compute_dtype(torch::kBFloat16);
    d.torch_ops = true;
    return d;
  }
  throw UsageError("device \"" + name + "\" is not supported (SL_DEVICE: cpu, cuda or cuda:N)");
}

namespace {

// The CUDA runtime library libtorch loaded (libcudart.so.N: its name carries the CUDA major
// version, so it is looked up among the loaded objects rather than by name). This avoids
// compiling against CUDA headers: the runtime builds as plain C++ against any libtorch.
void* loaded_cuda_runtime() {
  std::string path;
  dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t, void* out) {
        if (info->dlpi_name && std::strstr(info->dlpi_name, "libcudart.so")) {
          *static_cast<std::string*>(out) = info->dlpi_name;
          return 1;
        }
        return 0;
      },
      &path);
  if (path.empty()) return nullptr;
  return dlopen(path.c_str(), RTLD_LAZY | RTLD_NOLOAD);  // a reference to the loaded copy, never a new load
}

}  // namespace

std::optional<DeviceMemory> device_memory(const torch::Device& device) {
  if (!device.is_cuda()) return std::nullopt;
  static void* const runtime = loaded_cuda_runtime();
  if (!runtime) return std::nullopt;
  using MemGetInfo = int (*)(std::size_t*, std::size_t*);
  using GetDevice = int (*)(int*);
  using SetDevice = int (*)(int);
  auto mem_get_info = reinterpret_cast<MemGetInfo>(dlsym(runtime, "cudaMemGetInfo"));
  auto get_device = reinterpret_cast<GetDevice>(dlsym(runtime, "cudaGetDevice"));
  auto set_device = reinterpret_cast<SetDevice>(dlsym(runtime, "cudaSetDevice"));
  if (!mem_get_info || !get_device || !set_device) return std::nullopt;
  // cudaMemGetInfo reports the current device: switch to ours for the call.
  int previous = 0;
  if (get_device(&previous) != 0) return std::nullopt;
  const int wanted = device.has_index() ? device.index() : 0;
  if (wanted != previous && set_device(wanted) != 0) return std::nullopt;
  std::size_t free_bytes = 0, total_bytes = 0;
  const int rc = mem_get_info(&free_bytes, &total_bytes);
  if (wanted != previous) set_device(previous);
  if (rc != 0) return std::nullopt;
  return DeviceMemory{static_cast<std::int64_t>(free_bytes), static_cast<std::int64_t>(total_bytes)};
}

double gpu_memory_fraction() {
  const auto v = env::get("SL_GPU_MEMORY_FRACTION");
  if (!v) return 0.9;
  double f = 0;
  std::size_t used = 0;
  try {
    f = std::stod(*v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != v->size() || !std::isfinite(f) || f <= 0 || f > 1)
    throw UsageError("SL_GPU_MEMORY_FRACTION=\"" + *v + "\" is not a number above 0 and at most 1 (e.g. 0.9)");
  return f;
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
