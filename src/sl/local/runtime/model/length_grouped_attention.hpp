// Causal grouped-query attention within packed sequences, in plain differentiable torch ops:
// the training attention of the device-generic path (CUDA, and the CPU with
// SL_CPU_KERNELS=torch), where the fused CPU path uses packed_attention.hpp.
//
// No work is spent across sequences: sequences are sorted by length and attended in groups of
// similar length, each as a batch [n, heads, L, L] with one causal mask (never a [N x N] mask
// over the whole pack). A group pads its shorter sequences to its longest only while the padded
// score work stays within 1/8 of the group's real work; sequences of equal length (the usual
// case after the trainer's length bucketing) need no padding at all. Padding never changes a
// result: a real query at position t sees keys 0..t, all real.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace sl::local {

class LengthGroupedAttention {
 public:
  // Sequence i is rows [begins[i], begins[i] + lengths[i]) of the packed batch; index tensors
  // are made on `device` once, for every layer of a pass.
  LengthGroupedAttention(const std::vector<std::int64_t>& begins, const std::vector<std::int64_t>& lengths,
                         torch::Device device);

  // q [N, heads, d], k and v [N, kv_heads, d] (after RoPE) -> [N, heads * d]. Scores are in the
  // compute dtype, the softmax in float32 (as the inference path and transformers' eager attention).
  torch::Tensor operator()(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v) const;

 private:
  struct Group {
    std::int64_t count = 0;       // sequences
    std::int64_t length = 0;      // padded length (the longest sequence's)
    std::int64_t real_rows = 0;   // tokens of its sequences
    std::int64_t row_begin = -1;  // >= 0: the group is packed rows [row_begin, + count * length), unpadded
    torch::Tensor rows;           // [real_rows] packed row of each token (sequence after sequence)
    torch::Tensor slots;          // [real_rows] its slot in the padded [count * length] layout; undefined unpadded
  };

  std::vector<Group> groups_;
  std::int64_t tokens_ = 0;
  torch::Tensor order_;  // [N] where each packed row is in the groups' concatenated output; undefined = identity
};

}  // namespace sl::local
