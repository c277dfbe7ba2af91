// Where the runtime computes and with how many threads.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <optional>
#include <string>

namespace sl::local {

struct ComputeDevice {
  torch::Device device = torch::kCPU;
  // Weights, activations and KV cache: float32 on CPU, bfloat16 on CUDA (logits and softmax
  // statistics are always float32).
  torch::ScalarType dtype = torch::kFloat32;
  // Compute with device-generic torch ops only, as on CUDA: always off the CPU, and on the CPU
  // when SL_CPU_KERNELS=torch (so CI covers the GPU path's math). False = the fused float32
  // CPU kernels where they apply.
  bool torch_ops = false;

  bool is_cpu() const { return device.is_cpu(); }
  // Whether the fused float32 CPU kernels compute (training attention, loss, AdamW).
  bool fused_cpu_kernels() const { return is_cpu() && dtype == torch::kFloat32 && !torch_ops; }
  std::string name() const { return device.str(); }
  torch::TensorOptions options() const { return torch::TensorOptions().device(device).dtype(dtype); }
};

// Whether the fused float32 CPU kernels (kernels/cpu_kernels.hpp) apply to x: on the CPU, in
// float32, without autograd (sampling), unless SL_CPU_KERNELS=torch (read when the library loads).
// Training, accelerators and SL_CPU_KERNELS=torch use plain libtorch ops: the device-generic
// path, which is how the CUDA path's arithmetic is tested on machines without a GPU.
bool use_cpu_kernels(const torch::Tensor& x);

// SL_CPU_KERNELS=torch: the CPU runs the device-generic torch-op implementation that CUDA runs
// instead of the fused kernels. Read from the environment (and .env) at each call.
bool torch_ops_requested();

// `requested`: "cpu", "cuda", "cuda:N"; empty = $SL_DEVICE, else "cpu". CUDA with a libtorch
// built without it (or without a visible GPU) is an sl::UsageError saying so. Sets torch_ops
// (SL_CPU_KERNELS=torch on the CPU; always on CUDA). The compute dtype is float32 on the CPU
// and bfloat16 on CUDA unless $SL_DTYPE (float32 | bfloat16) says otherwise (float32 on CUDA
// for parity checks, bfloat16 on the CPU to test bf16 arithmetic).
ComputeDevice choose_device(const std::string& requested);

// Free and total memory of a CUDA device as the driver reports them (other processes' use and
// libtorch's cached blocks count as used); nullopt on the CPU or when the CUDA runtime library
// cannot be found in the process.
struct DeviceMemory {
  std::int64_t free_bytes = 0, total_bytes = 0;
};
std::optional<DeviceMemory> device_memory(const torch::Device& device);

// $SL_GPU_MEMORY_FRACTION: the share of a GPU's total memory the runtime may fill (weights,
// activations and KV cache together), as vLLM's gpu_memory_utilization. Default 0.9; a value
// outside (0, 1] or not a number is an sl::UsageError naming the variable. Ignored on the CPU.
double gpu_memory_fraction();

// Sets OpenBLAS's threads (which libtorch does not size for a generic BLAS) to `requested`,
// or $SL_THREADS, or the default (all cores), and libtorch's intra-op (OpenMP) threads to 1.
// Measured on 2 cores: two thread pools of 2 spin against each other between products
// (prefill at batch 64 ran 3x slower than with OpenBLAS threads alone); the fused kernels and
// element-wise ops are a small share of the time. Returns the OpenBLAS thread count.
int configure_threads(int requested);

// Makes glibc keep freed memory for reuse instead of returning it to the kernel (blocks up to
// 32 MB come from the heap, which is never trimmed). Forward passes free and reallocate
// megabytes of activations each time; by default each pass page-faults them in afresh, which
// made prefill 2-4x slower (docs/local-runtime.md). Process-wide; idempotent. RSS then stays at
// the peak working set, which it reaches anyway.
void keep_freed_memory_for_reuse();

}  // namespace sl::local
