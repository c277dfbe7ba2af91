// Compiled like training_kernels.cpp (-O3 -ffp-contract=off, no -ffast-math, no precompiled
// header): the loops over head_dim compute on 16-lane vectors in a fixed order, so every
// instruction-set build gives the same bits (simd.hpp). Each (sequence, kv head) is one
// task whose writes are disjoint from every other task's, so results do not depend on the
// thread count.
#include "packed_attention_kernels.hpp"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "simd.hpp"

namespace sl::local::train_kernels {

namespace {

using namespace simd;

// One query row t of one head: out = softmax(scale q k^T) v over keys 0..t; returns the lse.
void attend_row(const float* qt, const float* k, const float* v, float* o, float* p, std::int64_t t,
                std::int64_t kv_stride, std::int64_t d, float scale) {
  float m = -3.0e38f;
  for (std::int64_t j = 0; j <= t; ++j) {
    p[j] = scale * dot(qt, k + j * kv_stride, d);
    m = std::max(m, p[j]);
  }
  const float sum = sum_lanes(exp_in_place_lanes(p, t + 1, m));
  const float inv = 1.0f / sum;
  std::fill(o, o + d, 0.0f);
  for (std::int64_t j = 0; j <= t; ++j) axpy(p[j] * inv, v + j * kv_stride, o, d);
  p[t + 1] = m + std::log(sum);
}

// Gradients of one query row t of one head (p: scratch of t + 1 floats).
void attend_row_backward(const float* qt, const float* k, const float* v, const float* ot, const float* dot_, float lse,
                         float* dqt, float* dk, float* dv, float* p, std::int64_t t, std::int64_t kv_stride,
                         std::int64_t d, float scale) {
  const float delta = dot(dot_, ot, d);  // sum_j p_j dp_j
  for (std::int64_t j = 0; j <= t; ++j) p[j] = scale * dot(qt, k + j * kv_stride, d);
  exp_in_place_lanes(p, t + 1, lse);
  for (std::int64_t j = 0; j <= t; ++j) {
    const std::int64_t kv = j * kv_stride;
    const float ds = p[j] * (dot(dot_, v + kv, d) - delta) * scale;
    axpy(ds, k + kv, dqt, d);
    axpy(ds, qt, dk + kv, d);
    axpy(p[j], dot_, dv + kv, d);
  }
}

}  // namespace

void packed_attention_forward(const float* q, const float* k, const float* v, float* out, float* lse,
                              const PackedSequences& seqs, const AttentionShape& s) {
  const std::int64_t group = s.heads / s.kv_heads, d = s.head_dim;
  const std::int64_t tasks = seqs.count * s.kv_heads;
  at::parallel_for(0, tasks, 1, [&](std::int64_t begin, std::int64_t end) {
    std::vector<float> p;
    for (std::int64_t task = begin; task < end; ++task) {
      const std::int64_t sq = task / s.kv_heads, kvh = task % s.kv_heads;
      const std::int64_t b = seqs.begin[sq], len = seqs.length[sq];
      p.resize(static_cast<std::size_t>(len + 1));
      float* scratch = p.data();
      const float* ks = k + (b * s.kv_heads + kvh) * d;
      const float* vs = v + (b * s.kv_heads + kvh) * d;
      dispatch([&] {
        for (std::int64_t g = 0; g < group; ++g) {
          const std::int64_t h = kvh * group + g;
          for (std::int64_t t = 0; t < len; ++t) {
            const std::int64_t row = (b + t) * s.heads + h;
            attend_row(q + row * d, ks, vs, out + row * d, scratch, t, s.kv_heads * d, d, s.scale);
            lse[row] = scratch[t + 1];
          }
        }
      });
    }
  });
}

void packed_attention_backward(const float* q, const float* k, const float* v, const float* out, const float* lse,
                               const float* dout, float* dq, float* dk, float* dv, const PackedSequences& seqs,
                               const AttentionShape& s) {
  const std::int64_t group = s.heads / s.kv_heads, d = s.head_dim;
  const std::int64_t tasks = seqs.count * s.kv_heads;
  at::parallel_for(0, tasks, 1, [&](std::int64_t begin, std::int64_t end) {
    std::vector<float> p;
    for (std::int64_t task = begin; task < end; ++task) {
      const std::int64_t sq = task / s.kv_heads, kvh = task % s.kv_heads;
      const std::int64_t b = seqs.begin[sq], len = seqs.length[sq];
      p.resize(static_cast<std::size_t>(len));
      float* scratch = p.data();
      const std::int64_t kv0 = (b * s.kv_heads + kvh) * d;
      dispatch([&] {
        for (std::int64_t g = 0; g < group; ++g) {
          const std::int64_t h = kvh * group + g;
          for (std::int64_t t = 0; t < len; ++t) {
            const std::int64_t row = (b + t) * s.heads + h;
            attend_row_backward(q + row * d, k + kv0, v + kv0, out + row * d, dout + row * d, lse[row], dq + row * d,
                                dk + kv0, dv + kv0, scratch, t, s.kv_heads * d, d, s.scale);
          }
        }
      });
    }
  });
}

}  // namespace sl::local::train_kernels
