// Where the runtime computes and with how many threads.
#pragma once

#include <torch/torch.h>

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
// Training and accelerators use plain libtorch ops.
bool use_cpu_kernels(const torch::Tensor& x);

// SL_CPU_KERNELS=torch: the CPU runs the device-generic torch-op implementation that CUDA runs
// instead of the fused kernels. Read from the environment (and .env) at each call.
bool cpu_torch_ops_requested();

// `requested`: "cpu", "cuda", "cuda:N"; empty = $SL_DEVICE, else "cpu". CUDA with a libtorch
// built without it (or without a visible GPU) is an sl::UsageError saying so. Sets torch_ops
// (SL_CPU_KERNELS=torch on the CPU; always on CUDA).
ComputeDevice choose_device(const std::string& requested);

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
