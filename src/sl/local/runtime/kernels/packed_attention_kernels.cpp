// Compiled like training_kernels.cpp (-O3 -ffast-math, no precompiled header). The loops over
// head_dim are the vectorised ones; each (sequence, kv head) is one task whose writes are
// disjoint from every other task's, so results do not depend on the thread count.
#include "packed_attention_kernels.hpp"
#include "vector_clones.hpp"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace sl::local::train_kernels {

namespace {

SL_VECTOR_CLONES
float dot(const float* a, const float* b, std::int64_t d) {
  float s = 0;
  for (std::int64_t i = 0; i < d; ++i) s += a[i] * b[i];
  return s;
}

SL_VECTOR_CLONES
void axpy(float alpha, const float* x, float* y, std::int64_t d) {
  for (std::int64_t i = 0; i < d; ++i) y[i] += alpha * x[i];
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
      p.resize(static_cast<std::size_t>(len));
      for (std::int64_t g = 0; g < group; ++g) {
        const std::int64_t h = kvh * group + g;
        for (std::int64_t t = 0; t < len; ++t) {
          const float* qt = q + ((b + t) * s.heads + h) * d;
          float m = -3.0e38f;
          for (std::int64_t j = 0; j <= t; ++j) {
            p[j] = s.scale * dot(qt, k + ((b + j) * s.kv_heads + kvh) * d, d);
            m = std::max(m, p[j]);
          }
          float sum = 0;
          for (std::int64_t j = 0; j <= t; ++j) sum += (p[j] = std::exp(p[j] - m));
          const float inv = 1.0f / sum;
          float* o = out + ((b + t) * s.heads + h) * d;
          std::fill(o, o + d, 0.0f);
          for (std::int64_t j = 0; j <= t; ++j) axpy(p[j] * inv, v + ((b + j) * s.kv_heads + kvh) * d, o, d);
          lse[(b + t) * s.heads + h] = m + std::log(sum);
        }
      }
    }
  });
}

void packed_attention_backward(const float* q, const float* k, const float* v, const float* out, const float* lse,
                               const float* dout, float* dq, float* dk, float* dv, const PackedSequences& seqs,
                               const AttentionShape& s) {
  const std::int64_t group = s.heads / s.kv_heads, d = s.head_dim;
  const std::int64_t tasks = seqs.count * s.kv_heads;
  at::parallel_for(0, tasks, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t task = begin; task < end; ++task) {
      const std::int64_t sq = task / s.kv_heads, kvh = task % s.kv_heads;
      const std::int64_t b = seqs.begin[sq], len = seqs.length[sq];
      for (std::int64_t g = 0; g < group; ++g) {
        const std::int64_t h = kvh * group + g;
        for (std::int64_t t = 0; t < len; ++t) {
          const std::int64_t row = (b + t) * s.heads + h;
          const float* qt = q + row * d;
          const float* dot_ = dout + row * d;
          const float delta = dot(dot_, out + row * d, d);  // sum_j p_j dp_j
          const float l = lse[row];
          float* dqt = dq + row * d;
          for (std::int64_t j = 0; j <= t; ++j) {
            const std::int64_t kv_row = ((b + j) * s.kv_heads + kvh) * d;
            const float pj = std::exp(s.scale * dot(qt, k + kv_row, d) - l);
            const float ds = pj * (dot(dot_, v + kv_row, d) - delta) * s.scale;
            axpy(ds, k + kv_row, dqt, d);
            axpy(ds, qt, dk + kv_row, d);
            axpy(pj, dot_, dv + kv_row, d);
          }
        }
      }
    }
  });
}

}  // namespace sl::local::train_kernels
