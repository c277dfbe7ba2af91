// Compiled with -O3 -ffp-contract=off and without -ffast-math or the precompiled header (see
// CMakeLists.txt): the loops compute on 16-lane vectors in a fixed order (simd.hpp), so
// the AVX-512, AVX2 and baseline builds give the same bits; SL_CPU_KERNELS picks the build.
// Nothing here relies on infinities or NaNs.
#include "cpu_kernels.hpp"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "simd.hpp"
#include "sl/core/env.hpp"
#include "sl/core/error.hpp"

namespace sl::local::simd {

const char* name_of(KernelPath path) {
  switch (path) {
    case KernelPath::avx512:
      return "avx512";
    case KernelPath::avx2:
      return "avx2";
    case KernelPath::generic:
      break;
  }
  return "generic";
}

std::vector<KernelPath> supported_kernel_paths() {
  std::vector<KernelPath> paths{KernelPath::generic};
#ifdef SL_SIMD_HAS_TARGETS
  if (__builtin_cpu_supports("avx2")) paths.push_back(KernelPath::avx2);
  if (__builtin_cpu_supports("avx512f")) paths.push_back(KernelPath::avx512);
#endif
  return paths;
}

namespace {

KernelPath choose_kernel_path() {
  const auto supported = supported_kernel_paths();
  const std::string requested = env::get_or("SL_CPU_KERNELS", "auto");
  // torch: inference uses libtorch ops instead (compute/device.hpp); a kernel still called (e.g.
  // by training) runs the widest build, as with auto.
  if (requested.empty() || requested == "auto" || requested == "torch") return supported.back();
  for (KernelPath p : {KernelPath::generic, KernelPath::avx2, KernelPath::avx512}) {
    if (requested != name_of(p)) continue;
    if (std::find(supported.begin(), supported.end(), p) == supported.end())
      throw UsageError("SL_CPU_KERNELS=" + requested + ": this CPU (or this build) cannot run the " + requested +
                       " kernels; use auto, or one of the paths it has (generic" +
                       (supported.size() > 1 ? ", avx2" : "") + ")");
    return p;
  }
  throw UsageError("SL_CPU_KERNELS=\"" + requested + "\" is not one of auto, avx512, avx2, generic, torch");
}

}  // namespace

KernelPath kernel_path() {
  static const KernelPath path = choose_kernel_path();
  return path;
}

}  // namespace sl::local::simd

namespace sl::local::cpu {

namespace {

using namespace simd;

// Work units per parallel task: small enough to spread over threads, large enough that the
// scheduling costs nothing next to the arithmetic.
constexpr std::int64_t kGrainRows = 8;

SL_SIMD_INLINE float max_of(const float* x, std::int64_t n) {
  F16 m = splat(x[0]);
  std::int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) m = max(m, load(x + i));
  if (i < n) m = max(m, load_part(x + i, n - i, x[0]));
  return max_lanes(m);
}

// x[i] = exp((x[i] - shift) * factor); returns their sum (16 float lanes).
SL_SIMD_INLINE float exp_in_place(float* x, std::int64_t n, float shift, float factor) {
  F16 acc{};
  std::int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    const F16 e = simd::exp((load(x + i) - shift) * factor);
    store(x + i, e);
    acc += e;
  }
  if (i < n) {
    const F16 e = simd::exp((load_part(x + i, n - i, shift) - shift) * factor);
    store_part(x + i, e, n - i);
    acc += select(first_lanes(n - i), e, F16{});  // the padding's exp(0) is no value
  }
  return sum_lanes(acc);
}

void rms_norm_rows(const float* x, const float* w, float* y, std::int64_t begin, std::int64_t end, std::int64_t n,
                   float eps) {
  for (std::int64_t r = begin; r < end; ++r) {
    const float* xr = x + r * n;
    float* yr = y + r * n;
    const float inv = 1.0f / std::sqrt(dot(xr, xr, n) / static_cast<float>(n) + eps);
    std::int64_t i = 0;
    for (; i + kLanes <= n; i += kLanes) store(yr + i, load(w + i) * (load(xr + i) * inv));
    for (; i < n; ++i) yr[i] = w[i] * (xr[i] * inv);
  }
}

void rotary_rows(float* x, std::int64_t begin, std::int64_t end, std::int64_t stride, std::int64_t heads,
                 std::int64_t d, const float* cos, const float* sin) {
  const std::int64_t half = d / 2;
  for (std::int64_t r = begin; r < end; ++r) {
    const float* c = cos + r * half;
    const float* s = sin + r * half;
    for (std::int64_t h = 0; h < heads; ++h) {
      float* x1 = x + r * stride + h * d;
      float* x2 = x1 + half;
      std::int64_t i = 0;
      for (; i + kLanes <= half; i += kLanes) {
        const F16 a = load(x1 + i), b = load(x2 + i), ci = load(c + i), si = load(s + i);
        store(x1 + i, a * ci - b * si);
        store(x2 + i, b * ci + a * si);
      }
      for (; i < half; ++i) {
        const float a = x1[i], b = x2[i];
        x1[i] = a * c[i] - b * s[i];
        x2[i] = b * c[i] + a * s[i];
      }
    }
  }
}

void silu_mul_range(const float* gate, const float* up, float* out, std::int64_t begin, std::int64_t end) {
  std::int64_t i = begin;
  for (; i + kLanes <= end; i += kLanes) {
    const F16 g = load(gate + i);
    store(out + i, g / (1.0f + simd::exp(-g)) * load(up + i));
  }
  for (; i < end; ++i) out[i] = gate[i] / (1.0f + simd::exp(-gate[i])) * up[i];
}

// One query row and one kv head: the `group` query heads that share it, over keys 0..n_keys-1.
// scores: scratch of group * n_keys floats.
void attend_one(const float* q, const float* keys, const float* values, float* out, float* scores, std::int64_t group,
                std::int64_t n_keys, std::int64_t d, float scale) {
  for (std::int64_t j = 0; j < n_keys; ++j) {
    const float* kj = keys + j * d;
    for (std::int64_t g = 0; g < group; ++g) scores[g * n_keys + j] = dot(q + g * d, kj, d) * scale;
  }
  for (std::int64_t g = 0; g < group; ++g) {
    float* sg = scores + g * n_keys;
    const float sum = exp_in_place(sg, n_keys, max_of(sg, n_keys), 1.0f);
    const float inv = 1.0f / sum;
    for (std::int64_t j = 0; j < n_keys; ++j) sg[j] *= inv;
    float* og = out + g * d;
    for (std::int64_t i = 0; i < d; ++i) og[i] = 0;
  }
  for (std::int64_t j = 0; j < n_keys; ++j) {
    const float* vj = values + j * d;
    for (std::int64_t g = 0; g < group; ++g) axpy(scores[g * n_keys + j], vj, out + g * d, d);
  }
}

// Returns the chosen index; `p` is scratch for `vocab` floats.
std::int64_t sample_row(const float* logits, std::int64_t vocab, float inv_t, double u, float* p) {
  std::copy_n(logits, vocab, p);
  const float total = exp_in_place(p, vocab, max_of(logits, vocab), inv_t);
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
    float* p = scratch.data();
    dispatch([&] {
      for (std::int64_t r = b; r < e; ++r) out[r] = sample_row(logits + r * vocab, vocab, inv_temperature[r], u[r], p);
    });
  });
}

void rms_norm(const float* x, const float* weight, float* y, std::int64_t rows, std::int64_t n, float eps) {
  at::parallel_for(0, rows, kGrainRows, [&](std::int64_t b, std::int64_t e) {
    dispatch([&] { rms_norm_rows(x, weight, y, b, e, n, eps); });
  });
}

void rotary(float* x, std::int64_t rows, std::int64_t row_stride, std::int64_t heads, std::int64_t head_dim,
            const float* cos, const float* sin) {
  at::parallel_for(0, rows, kGrainRows, [&](std::int64_t b, std::int64_t e) {
    dispatch([&] { rotary_rows(x, b, e, row_stride, heads, head_dim, cos, sin); });
  });
}

void silu_mul(const float* gate, const float* up, float* out, std::int64_t n) {
  at::parallel_for(0, n, 4096,
                   [&](std::int64_t b, std::int64_t e) { dispatch([&] { silu_mul_range(gate, up, out, b, e); }); });
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
      float* sc = scores.data();
      dispatch([&] {
        attend_one(q + (r * heads + h * group) * d, k_cache + base, v_cache + base, out + (r * heads + h * group) * d,
                   sc, group, n_keys, d, scale);
      });
    }
  });
}

}  // namespace sl::local::cpu
