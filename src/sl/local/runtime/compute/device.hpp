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

  bool is_cpu() const { return device.is_cpu(); }
  std::string name() const { return device.str(); }
  torch::TensorOptions options() const { return torch::TensorOptions().device(device).dtype(dtype); }
};

// Whether the fused float32 CPU kernels (kernels/cpu_kernels.hpp) apply to x: on the CPU, in
// float32, without autograd (sampling). Training and accelerators use plain libtorch ops.
bool use_cpu_kernels(const torch::Tensor& x);

// `requested`: "cpu", "cuda", "cuda:N"; empty = $SL_DEVICE, else "cpu". CUDA with a libtorch
// built without it (or without a visible GPU) is an sl::UsageError saying so.
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
