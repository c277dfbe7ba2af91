// The machine side of the experiment: which device, how many CPU threads, the fp32 matmul peak
// measured in this process, and the FLOPs a training step performs.
#pragma once

#include <torch/torch.h>

#include <string>

namespace sl::mnist {

// Parses and checks the device ("cpu", "cuda", "cuda:1"); a CUDA device without CUDA support
// in this libtorch build, or without a visible GPU, is an sl::UsageError.
torch::Device select_device(const std::string& name);

// `requested` CPU threads, or one per core when it is 0.
int resolve_threads(int requested);

// Uses `threads` threads for libtorch's intra-op parallelism (in the calling thread and threads
// started later) and for OpenBLAS when it is the BLAS in use (its thread pool is separate and
// global).
void set_compute_threads(int threads);

struct MatmulPeak {
  double gflops = 0;   // best of several timed runs
  int64_t size = 0;    // square fp32 matmul n x n x n
  double seconds = 0;  // time spent measuring
};

// Times an n x n x n fp32 matmul (n = 2048 on CPU, 8192 on GPUs) a few times and keeps the best.
MatmulPeak measure_matmul_peak(torch::Device device);

// Matmul FLOPs of a forward pass of ONE model on `batch` examples.
double forward_flop(int64_t inputs, int64_t hidden, int64_t outputs, int64_t batch);

// Matmul FLOPs of one training step of ONE model on `batch` examples (forward, weight
// gradients, and input gradients of layers 2 and 3; the data needs none).
double training_step_flop(int64_t inputs, int64_t hidden, int64_t outputs, int64_t batch);

// Blocks until queued work on `device` is done (a no-op on the CPU), so that timers are honest.
void synchronize(torch::Device device);

}  // namespace sl::mnist
