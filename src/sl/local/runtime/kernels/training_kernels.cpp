// Compiled like cpu_kernels.cpp (-O3 -ffp-contract=off, no -ffast-math, no precompiled header):
// the loops compute on 16-lane vectors in a fixed order, so every instruction-set build gives
// the same bits (simd.hpp), and SL_CPU_KERNELS picks the build. Nothing here relies on
// infinities or NaNs: masked maxima use a large finite sentinel. Each result is a fixed function
// of the inputs, so training is bitwise reproducible on any x86-64 CPU.
#include "training_kernels.hpp"

#include <cmath>
#include <vector>

#include "simd.hpp"

namespace sl::local::train_kernels {

namespace {

using namespace simd;

constexpr float kVeryNegative = -3.0e38f;

SL_SIMD_INLINE float row_max(const float* x, std::int64_t n) {
  F16 m = splat(kVeryNegative);
  std::int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) m = max(m, load(x + i));
  if (i < n) m = max(m, load_part(x + i, n - i, kVeryNegative));
  return max_lanes(m);
}

SL_SIMD_INLINE float masked_row_max(const float* x, const float* mask, std::int64_t n) {
  const F16 none = splat(kVeryNegative);
  F16 m = none;
  std::int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) m = max(m, select(load(mask + i) > 0, load(x + i), none));
  if (i < n) m = max(m, select(load_part(mask + i, n - i, 0) > 0, load_part(x + i, n - i, 0), none));
  return max_lanes(m);
}

// x[i] = exp(x[i] - shift); returns the sum (16 float lanes, added in double).
SL_SIMD_INLINE double exp_in_place(float* x, std::int64_t n, float shift) {
  return sum_lanes(to_double(exp_in_place_lanes(x, n, shift)));
}

SL_SIMD_INLINE double masked_exp_in_place(float* x, const float* mask, std::int64_t n, float shift) {
  // Disallowed ids may lie far above the shift: clamp before exp so nothing overflows.
  const auto step = [shift](F16 xv, F16 mv) { return simd::exp(select(mv > 0, xv - shift, splat(-100.0f))) * mv; };
  F16 acc{};
  std::int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    const F16 e = step(load(x + i), load(mask + i));
    store(x + i, e);
    acc += e;
  }
  if (i < n) {
    const F16 e = step(load_part(x + i, n - i, 0), load_part(mask + i, n - i, 0));  // mask 0: adds 0
    store_part(x + i, e, n - i);
    acc += e;
  }
  return sum_lanes(to_double(acc));
}

SL_SIMD_INLINE void scale_in_place(float* x, std::int64_t n, float s) {
  for (std::int64_t i = 0; i < n; ++i) x[i] *= s;
}

void adamw_range(float* p, const float* g, float* m, float* v, std::int64_t n, float decay, float b1, float b2,
                 float eps, float grad_scale, float step_size, float inv_sqrt_bc2) {
  for (std::int64_t i = 0; i < n; ++i) {
    const float gi = g[i] * grad_scale;
    const float mi = b1 * m[i] + (1 - b1) * gi;
    const float vi = b2 * v[i] + (1 - b2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i] * decay - step_size * mi / (std::sqrt(vi) * inv_sqrt_bc2 + eps);
  }
}

// sum of g[i]^2 in 16 double lanes.
double squares(const float* g, std::int64_t n) {
  D16 acc{};
  std::int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    const D16 x = to_double(load(g + i));
    acc += x * x;
  }
  if (i < n) {
    const D16 x = to_double(load_part(g + i, n - i, 0));
    acc += x * x;
  }
  return sum_lanes(acc);
}

}  // namespace

double softmax_cross_entropy(float* logits, std::int64_t rows, std::int64_t vocab, const std::int64_t* targets,
                             float scale) {
  double total = 0;
  dispatch([&] {
    for (std::int64_t r = 0; r < rows; ++r) {
      float* x = logits + r * vocab;
      const float target_logit = x[targets[r]];
      const float m = row_max(x, vocab);
      const double sum = exp_in_place(x, vocab, m);
      total += static_cast<double>(m) + std::log(sum) - target_logit;
      scale_in_place(x, vocab, static_cast<float>(scale / sum));
      x[targets[r]] -= scale;
    }
  });
  return total;
}

double topk_kl(float* logits, std::int64_t rows, std::int64_t vocab, const float* allowed, const std::int64_t* offsets,
               const std::int32_t* ids, const float* logprobs, float scale, std::int64_t* empty_rows) {
  double total = 0;
  std::vector<double> p;
  std::vector<float> teacher_logit;
  for (std::int64_t r = 0; r < rows; ++r) {
    float* x = logits + r * vocab;
    const std::int64_t begin = offsets[r], end = offsets[r + 1];
    // The teacher's allowed entries, renormalised (in double: top-k log-probs may be tiny).
    p.assign(static_cast<std::size_t>(end - begin), 0.0);
    teacher_logit.assign(static_cast<std::size_t>(end - begin), 0.0f);
    double z = 0;
    for (std::int64_t k = begin; k < end; ++k) {
      const std::int32_t id = ids[k];
      if (allowed && !(allowed[id] > 0)) continue;
      p[k - begin] = std::exp(static_cast<double>(logprobs[k]));
      teacher_logit[k - begin] = x[id];
      z += p[k - begin];
    }
    if (!(z > 0)) {
      for (std::int64_t i = 0; i < vocab; ++i) x[i] = 0;
      ++*empty_rows;
      continue;
    }
    float m = 0;
    double sum = 0;
    dispatch([&] {
      m = allowed ? masked_row_max(x, allowed, vocab) : row_max(x, vocab);
      sum = allowed ? masked_exp_in_place(x, allowed, vocab, m) : exp_in_place(x, vocab, m);
      scale_in_place(x, vocab, static_cast<float>(scale / sum));
    });
    const double lse = static_cast<double>(m) + std::log(sum);
    for (std::int64_t k = begin; k < end; ++k) {
      const double pk = p[k - begin] / z;
      if (!(pk > 0)) continue;
      total += pk * (std::log(pk) - (static_cast<double>(teacher_logit[k - begin]) - lse));
      x[ids[k]] -= static_cast<float>(pk * scale);
    }
  }
  return total;
}

void adamw_update(float* param, const float* grad, float* m, float* v, std::int64_t n, const AdamWStep& s) {
  const float step_size = s.lr / s.bias_correction1;
  dispatch([&] {
    adamw_range(param, grad, m, v, n, 1.0f - s.lr * s.weight_decay, s.beta1, s.beta2, s.eps, s.grad_scale, step_size,
                1.0f / std::sqrt(s.bias_correction2));
  });
}

double sum_of_squares(const float* g, std::int64_t n) {
  double s = 0;
  dispatch([&] { s = squares(g, n); });
  return s;
}

}  // namespace sl::local::train_kernels
