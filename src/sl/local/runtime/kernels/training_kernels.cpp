// Compiled like cpu_kernels.cpp (-O3 -ffast-math, no precompiled header): the loops are written
// for the auto-vectoriser (reductions may be reordered; expf becomes glibc's vector expf) and
// built for AVX-512, AVX2 and baseline x86-64, picked at load time. Nothing here relies on
// infinities or NaNs: masked maxima use a large finite sentinel. Each result is a fixed function
// of the inputs on a given CPU, so training stays bitwise reproducible.
#include "training_kernels.hpp"
#include "vector_clones.hpp"

#include <cmath>
#include <vector>

namespace sl::local::train_kernels {

namespace {

constexpr float kVeryNegative = -3.0e38f;

SL_VECTOR_CLONES
float row_max(const float* x, std::int64_t n) {
  float m = kVeryNegative;
  for (std::int64_t i = 0; i < n; ++i) m = x[i] > m ? x[i] : m;
  return m;
}

SL_VECTOR_CLONES
float masked_row_max(const float* x, const float* mask, std::int64_t n) {
  float m = kVeryNegative;
  for (std::int64_t i = 0; i < n; ++i) {
    const float v = mask[i] > 0 ? x[i] : kVeryNegative;
    m = v > m ? v : m;
  }
  return m;
}

// x[i] = exp(x[i] - shift); returns the sum (float lanes, then double).
SL_VECTOR_CLONES
double exp_in_place(float* x, std::int64_t n, float shift) {
  float sum = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const float e = std::exp(x[i] - shift);
    x[i] = e;
    sum += e;
  }
  return sum;
}

SL_VECTOR_CLONES
double masked_exp_in_place(float* x, const float* mask, std::int64_t n, float shift) {
  float sum = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    // Disallowed ids may lie far above the shift: clamp before exp so nothing overflows.
    const float d = mask[i] > 0 ? x[i] - shift : -100.0f;
    const float e = std::exp(d) * mask[i];
    x[i] = e;
    sum += e;
  }
  return sum;
}

SL_VECTOR_CLONES
void scale_in_place(float* x, std::int64_t n, float s) {
  for (std::int64_t i = 0; i < n; ++i) x[i] *= s;
}

SL_VECTOR_CLONES
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

SL_VECTOR_CLONES
double squares(const float* g, std::int64_t n) {
  double s = 0;
  for (std::int64_t i = 0; i < n; ++i) s += static_cast<double>(g[i]) * g[i];
  return s;
}

}  // namespace

double softmax_cross_entropy(float* logits, std::int64_t rows, std::int64_t vocab, const std::int64_t* targets,
                             float scale) {
  double total = 0;
  for (std::int64_t r = 0; r < rows; ++r) {
    float* x = logits + r * vocab;
    const float target_logit = x[targets[r]];
    const float m = row_max(x, vocab);
    const double sum = exp_in_place(x, vocab, m);
    total += static_cast<double>(m) + std::log(sum) - target_logit;
    scale_in_place(x, vocab, static_cast<float>(scale / sum));
    x[targets[r]] -= scale;
  }
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
    const float m = allowed ? masked_row_max(x, allowed, vocab) : row_max(x, vocab);
    const double sum = allowed ? masked_exp_in_place(x, allowed, vocab, m) : exp_in_place(x, vocab, m);
    const double lse = static_cast<double>(m) + std::log(sum);
    scale_in_place(x, vocab, static_cast<float>(scale / sum));
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
  adamw_range(param, grad, m, v, n, 1.0f - s.lr * s.weight_decay, s.beta1, s.beta2, s.eps, s.grad_scale, step_size,
              1.0f / std::sqrt(s.bias_correction2));
}

double sum_of_squares(const float* g, std::int64_t n) { return squares(g, n); }

}  // namespace sl::local::train_kernels
