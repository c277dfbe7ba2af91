// Causal grouped-query attention within packed sequences, differentiable (a custom autograd
// function over the fused loops of packed_attention_kernels.hpp). ForwardBatch::attend uses
// it when autograd records on the CPU in float32 without a KV cache (training); inference keeps
// its own paths.
#pragma once

#include <torch/torch.h>

#include <vector>

namespace sl::local {

// q [N, heads, d], k and v [N, kv_heads, d]; sequence i is rows [begins[i], begins[i] +
// lengths[i]). Returns [N, heads * d].
torch::Tensor packed_causal_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                      const std::vector<std::int64_t>& begins,
                                      const std::vector<std::int64_t>& lengths);

}  // namespace sl::local
