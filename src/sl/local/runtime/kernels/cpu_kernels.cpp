// Compiled with -O3 -ffast-math and without the precompiled header (see CMakeLists.txt): loops
// here are written for the auto-vectoriser (reductions may be reordered, expf calls become
// glibc's vector expf), and each hot loop is built for AVX-512, AVX2 and baseline x86-64,
// picked at load time for the CPU at hand. Nothing here relies on infinities or NaNs.
#include "cpu_kernels.hpp"
#include "vector_clones.hpp"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace sl::local::cpu {

namespace {

// Work units per parallel task: small enough to spread over threads, large enough that the
// scheduling costs nothing next to the arithmetic.
constexpr std::int64_t kGrainRows = 8;

SL_VECTOR_CLONES
void rms_norm_rows(const float* x, const float* w, float* y, std::int64_t begin, std::int64_t end, std::int64_t n,
                   float eps) {
  for (std::int64_t r = begin; r < end; ++r) {
    const float* xr = x + r * n;
    float* yr = y + r * n;
    float ss = 0;
    for (std::int64_t i = 0; i < n; ++i) ss += xr[i] * xr[i];
    const float inv = 1.0f / std::sqrt(ss / static_cast<float>(n) + eps);
    for (std::int64_t i = 0; i < n; ++i) yr[i] = w[i] * (xr[i] * inv);
  }
}

SL_VECTOR_CLONES
void rotary_rows(float* x, std::int64_t begin, std::int64_t end, std::int64_t stride, std::int64_t heads,
                 std::int64_t d, const float* cos, const float* sin) {
  const std::int64_t half = d / 2;
  for (std::int64_t r = begin; r < end; ++r) {
    const float* c = cos + r * half;
    const float* s = sin + r * half;
    for (std::int64_t h = 0; h < heads; ++h) {
      float* x1 = x + r * stride + h * d;
      float* x2 = x1 + half;
      for (std::int64_t i = 0; i < half; ++i) {
        const float a = x1[i], b = x2[i];
        x1[i] = a * c[i] - b * s[i];
        x2[i] = b * c[i] + a * s[i];
      }
    }
  }
}

SL_VECTOR_CLONES
void silu_mul_range(const float* gate, const float* up, float* out, std::int64_t begin, std::int64_t end) {
  for (std::int64_t i = begin; i < end; ++i) {
    const float g = gate[i];
    out[i] = g / (1.0f + std::exp(-g)) * up[i];
  }
}

// One query row and one kv head: the `group` query heads that share it, over keys 0..n_keys-1.
// scores: scratch of group * n_keys floats.
SL_VECTOR_CLONES
void attend_one(const float* q, const float* keys, const float* values, float* out, float* scores, std::int64_t group,
                std::int64_t n_keys, std::int64_t d, float scale) {
  for (std::int64_t j = 0; j < n_keys; ++j) {
    const float* kj = keys + j * d;
    for (std::int64_t g = 0; g < group; ++g) {
      const float* qg = q + g * d;
      float s = 0;
      for (std::int64_t i = 0; i < d; ++i) s += qg[i] * kj[i];
      scores[g * n_keys + j] = s * scale;
    }
  }
  for (std::int64_t g = 0; g < group; ++g) {
    float* sg = scores + g * n_keys;
    float m = sg[0];
    for (std::int64_t j = 1; j < n_keys; ++j) m = std::max(m, sg[j]);
    float sum = 0;
    for (std::int64_t j = 0; j < n_keys; ++j) {
      sg[j] = std::exp(sg[j] - m);
      sum += sg[j];
    }
    const float inv = 1.0f / sum;
    for (std::int64_t j = 0; j < n_keys; ++j) sg[j] *= inv;
    float* og = out + g * d;
    for (std::int64_t i = 0; i < d; ++i) og[i] = 0;
  }
  for (std::int64_t j = 0; j < n_keys; ++j) {
    const float* vj = values + j * d;
    for (std::int64_t g = 0; g < group; ++g) {
      const float p = scores[g * n_keys + j];
      float* og = out + g * d;
      for (std::int64_t i = 0; i < d; ++i) og[i] += p * vj[i];
    }
  }
}

// Returns the chosen index; `p` is scratch for `vocab` floats.
SL_VECTOR_CLONES
std::int64_t sample_row(const float* logits, std::int64_t vocab, float inv_t, double u, float* p) {
  float m = logits[0];
  for (std::int64_t i = 1; i < vocab; ++i) m = std::max(m, logits[i]);
  float total = 0;
  for (std::int64_t i = 0; i < vocab; ++i) {
    p[i] = std::exp((logits[i] - m) * inv_t);
    total += p[i];
  }
  const double target = u * static_cast<double>(total);
  double acc = 0;
  std::int64_t last = 0;
  for (std::int64_t i = 0; i < vocab; ++i) {
    if (p[i] <= 0) continue;
    acc += p[i];
    last = i;
    if (acc > target) return i;
  }
  return last;  // rounding left the target at the very end
}

}  // namespace

void sample_rows(const float* logits, std::int64_t rows, std::int64_t vocab, const float* inv_temperature,
                 const double* u, std::int64_t* out) {
  at::parallel_for(0, rows, 1, [&](std::int64_t b, std::int64_t e) {
    thread_local std::vector<float> scratch;
    if (static_cast<std::int64_t>(scratch.size()) < vocab) scratch.resize(vocab);
    for (std::int64_t r = b; r < e; ++r) out[r] = sample_row(logits + r * vocab, vocab, inv_temperature[r], u[r], scratch.data());
  });
}

void rms_norm(const float* x, const float* weight, float* y, std::int64_t rows, std::int64_t n, float eps) {
  at::parallel_for(0, rows, kGrainRows, [&](std::int64_t b, std::int64_t e) { rms_norm_rows(x, weight, y, b, e, n, eps); });
}

void rotary(float* x, std::int64_t rows, std::int64_t row_stride, std::int64_t heads, std::int64_t head_dim,
            const float* cos, const float* sin) {
  at::parallel_for(0, rows, kGrainRows,
                   [&](std::int64_t b, std::int64_t e) { rotary_rows(x, b, e, row_stride, heads, head_dim, cos, sin); });
}

void silu_mul(const float* gate, const float* up, float* out, std::int64_t n) {
  at::parallel_for(0, n, 4096, [&](std::int64_t b, std::int64_t e) { silu_mul_range(gate, up, out, b, e); });
}

void cached_attention(const float* q, const float* k, const float* v, float* k_cache, float* v_cache, float* out,
                      const CacheRows& where, std::int64_t rows, std::int64_t heads, std::int64_t kv_heads,
                      std::int64_t d, std::int64_t capacity, float scale) {
  const std::int64_t group = heads / kv_heads;
  // Keys and values of every new row first: rows of one sequence attend to each other.
  at::parallel_for(0, rows, 64, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t r = b; r < e; ++r) {
      for (std::int64_t h = 0; h < kv_heads; ++h) {
        const std::int64_t at = ((where.slot[r] * kv_heads + h) * capacity + where.position[r]) * d;
        std::copy_n(k + (r * kv_heads + h) * d, d, k_cache + at);
        std::copy_n(v + (r * kv_heads + h) * d, d, v_cache + at);
      }
    }
  });
  at::parallel_for(0, rows * kv_heads, 1, [&](std::int64_t b, std::int64_t e) {
    thread_local std::vector<float> scores;
    for (std::int64_t item = b; item < e; ++item) {
      const std::int64_t r = item / kv_heads, h = item % kv_heads;
      const std::int64_t n_keys = where.position[r] + 1;
      if (static_cast<std::int64_t>(scores.size()) < group * n_keys) scores.resize(group * n_keys);
      const std::int64_t base = (where.slot[r] * kv_heads + h) * capacity * d;
      attend_one(q + (r * heads + h * group) * d, k_cache + base, v_cache + base, out + (r * heads + h * group) * d,
                 scores.data(), group, n_keys, d, scale);
    }
  });
}

}  // namespace sl::local::cpu
