// The differences between the libtorch versions this project builds against, in one place:
// Debian 12's libtorch 1.13 (CPU, the CI build) and a current PyTorch 2.x libtorch with CUDA
// (torch.utils.cmake_prefix_path). Everything else in the runtime uses calls both versions have.
#pragma once

#include <torch/torch.h>

#include <cmath>
#include <cstdint>
#include <vector>

#if __has_include(<torch/version.h>)
#include <torch/version.h>
#endif

namespace sl::local::compat {

#if defined(TORCH_VERSION_MAJOR)
inline constexpr int kTorchMajor = TORCH_VERSION_MAJOR;
#else
inline constexpr int kTorchMajor = 1;  // libtorch 1.13 has the header; older ones are not supported
#endif

// Softmax attention: q [n, h, tq, d] over k, v [n, h, tk, d], `mask` additive (0 or -inf, q's
// dtype) and broadcastable to [n, h, tq, tk]; scores scaled by 1/sqrt(d), softmax statistics in
// float32. libtorch 2.x on an accelerator: its fused scaled_dot_product_attention (no score
// matrix in memory; called with the arguments every 2.x has: no `scale`, which 2.1 added, the
// default being 1/sqrt(d)). Otherwise, and always on the CPU, explicit products, so the CPU path
// is the same arithmetic under 1.13 and 2.x.
inline torch::Tensor masked_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                      const torch::Tensor& mask) {
#if defined(TORCH_VERSION_MAJOR) && TORCH_VERSION_MAJOR >= 2
  if (!q.is_cpu()) return at::scaled_dot_product_attention(q, k, v, mask, /*dropout_p=*/0.0, /*is_causal=*/false);
#endif
  auto scores = torch::matmul(q, k.transpose(-1, -2)) * (1.0 / std::sqrt(static_cast<double>(q.size(-1))));
  auto probs = torch::softmax(scores + mask, -1, torch::kFloat32).to(q.scalar_type());
  return torch::matmul(probs, v);
}

// A host vector copied to `device` without stalling the host: on CUDA through page-locked
// memory and a non-blocking copy on the current stream (a blocking copy of pageable memory
// waits for every queued kernel first, once per index tensor of every decode step). On the CPU
// the tensor itself. Tensor::pin_memory() takes an optional device in 1.13 and 2.x alike (2.x
// deprecates passing it), so it is called without one.
template <class T>
torch::Tensor upload(const std::vector<T>& values, torch::ScalarType dtype, const torch::Device& device) {
  auto host = torch::tensor(values, torch::TensorOptions().dtype(dtype));
  if (device.is_cpu()) return host;
  return host.pin_memory().to(device, /*non_blocking=*/true);
}

}  // namespace sl::local::compat
