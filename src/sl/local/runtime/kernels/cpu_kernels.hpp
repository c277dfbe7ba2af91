// Fused float32 CPU kernels for inference: each replaces a chain of small libtorch ops (and the
// temporaries between them) by one pass over memory, and attention reads the KV cache in place.
//
// Used only on the CPU, in float32, without autograd; the same blocks fall back to plain
// libtorch ops for training and on accelerators (see blocks.cpp, attention.cpp). All pointers
// are to contiguous row-major data. Work is split over libtorch's intra-op threads.
#pragma once

#include <cstdint>

namespace sl::local::cpu {

// y[r] = x[r] / sqrt(mean(x[r]^2) + eps) * weight, for `rows` rows of `n` values.
void rms_norm(const float* x, const float* weight, float* y, std::int64_t rows, std::int64_t n, float eps);

// Rotates, in place, the first `heads` vectors of `head_dim` values of each row (rows are
// `row_stride` floats apart) by the row's angles: pairs (i, i + head_dim/2) with cos/sin[r][i].
void rotary(float* x, std::int64_t rows, std::int64_t row_stride, std::int64_t heads, std::int64_t head_dim,
            const float* cos, const float* sin);

// out[i] = silu(gate[i]) * up[i] (out may alias gate).
void silu_mul(const float* gate, const float* up, float* out, std::int64_t n);

// Where each packed row's key/value goes in the cache and which keys its query sees.
struct CacheRows {
  const std::int64_t* slot;      // [rows] cache slot of the row's sequence
  const std::int64_t* position;  // [rows] the row's position; it attends to keys 0..position
};

// Stores k, v ([rows, kv_heads, head_dim]) into the cache ([slots, kv_heads, capacity,
// head_dim]) at (slot, position), then computes causal grouped-query attention of q ([rows,
// heads, head_dim]) over the cached keys into out ([rows, heads * head_dim]).
void cached_attention(const float* q, const float* k, const float* v, float* k_cache, float* v_cache, float* out,
                      const CacheRows& where, std::int64_t rows, std::int64_t heads, std::int64_t kv_heads,
                      std::int64_t head_dim, std::int64_t capacity, float scale);

// Inverse-CDF sampling, one token per row of logits [rows, vocab]: the first token, in
// vocabulary order, at which the running sum of exp((logit - max) * inv_temperature[r])
// exceeds u[r] times their total (u in [0, 1)). Zero-probability tokens are never chosen.
void sample_rows(const float* logits, std::int64_t rows, std::int64_t vocab, const float* inv_temperature,
                 const double* u, std::int64_t* out);

}  // namespace sl::local::cpu
