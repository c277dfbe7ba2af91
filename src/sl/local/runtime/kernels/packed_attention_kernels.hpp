// Causal grouped-query attention over packed sequences, forward and backward, for training
// (autograd through torch's batched matmuls costs a per-sequence-and-head dispatch each: ~3,000
// tiny GEMM calls per step for the demo's 64 sequences x 4 heads x 2 layers, a third of its
// step time). Torch-free; pointers to contiguous row-major float32 data.
#pragma once

#include <cstdint>

namespace sl::local::train_kernels {

// Sequence i is rows [begin[i], begin[i] + length[i]) of the packed batch.
struct PackedSequences {
  const std::int64_t* begin;
  const std::int64_t* length;
  std::int64_t count;
};

struct AttentionShape {
  std::int64_t heads, kv_heads, head_dim;
  float scale;  // 1 / sqrt(head_dim)
};

// q [N, heads, d], k and v [N, kv_heads, d] -> out [N, heads, d] and the log-sum-exp of each
// (row, head)'s scores, lse [N, heads] (what backward needs to rebuild the probabilities).
// Query head h uses kv head h / (heads / kv_heads).
void packed_attention_forward(const float* q, const float* k, const float* v, float* out, float* lse,
                              const PackedSequences& seqs, const AttentionShape& shape);

// Adds the gradients of sum(out * dout) to dq, dk, dv (same shapes as q, k, v; zeroed by the
// caller).
void packed_attention_backward(const float* q, const float* k, const float* v, const float* out, const float* lse,
                               const float* dout, float* dq, float* dk, float* dv, const PackedSequences& seqs,
                               const AttentionShape& shape);

}  // namespace sl::local::train_kernels
