// The fused CPU kernels (cpu_kernels.cpp, training_kernels.cpp, packed_attention_kernels.cpp)
// are built once per instruction set (AVX-512, AVX2, baseline x86-64) and give the same bits on
// each: which one runs is a speed choice (SL_CPU_KERNELS), never a numerical one.
//
// How the bits stay the same: the kernels compute on 16-lane vectors (two 8-lane GCC vector
// extensions: two AVX registers, or four SSE ones) with only element-wise IEEE operations; a reduction keeps 16 running
// sums, one per lane, and adds them in a fixed tree at the end; a row's last partial vector is padded with a neutral
// value. The kernel files are compiled without -ffast-math and with -ffp-contract=off, so the compiler may neither
// reorder a sum nor fuse a multiply and an add (the baseline has no FMA). exp is computed here, not by libm's vector
// variants, which differ between instruction sets.
//
// Files that include this header compile with -Wno-psabi: the 16-lane types pass only between
// inlined functions, so GCC's note that passing them by value differs between instruction sets
// does not apply (a pragma cannot silence that note).
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace sl::local::simd {

constexpr std::int64_t kLanes = 16;
typedef float F8 __attribute__((vector_size(32)));
typedef float F4 __attribute__((vector_size(16)));
typedef std::int32_t I8 __attribute__((vector_size(32)));
typedef double D4 __attribute__((vector_size(32)));

#define SL_SIMD_INLINE [[gnu::always_inline]] inline

// 16 lanes as two 8-lane halves (lanes 0..7, 8..15): GCC keeps a 32-byte vector in one AVX
// register (two SSE, half an AVX-512 one), where a single 64-byte vector type went through the
// stack on AVX2. The lane arithmetic, and so every bit, is the same either way.
struct F16 {
  F8 lo{}, hi{};
};
struct I16 {  // lane masks (all ones / 0) and integer lanes
  I8 lo{}, hi{};
};
struct D16 {  // lanes 0..3, 4..7, 8..11, 12..15
  D4 q[4]{};
};

SL_SIMD_INLINE F16 operator+(F16 a, F16 b) { return {a.lo + b.lo, a.hi + b.hi}; }
SL_SIMD_INLINE F16 operator-(F16 a, F16 b) { return {a.lo - b.lo, a.hi - b.hi}; }
SL_SIMD_INLINE F16 operator*(F16 a, F16 b) { return {a.lo * b.lo, a.hi * b.hi}; }
SL_SIMD_INLINE F16 operator/(F16 a, F16 b) { return {a.lo / b.lo, a.hi / b.hi}; }
SL_SIMD_INLINE F16 operator+(F16 a, float b) { return {a.lo + b, a.hi + b}; }
SL_SIMD_INLINE F16 operator-(F16 a, float b) { return {a.lo - b, a.hi - b}; }
SL_SIMD_INLINE F16 operator*(F16 a, float b) { return {a.lo * b, a.hi * b}; }
SL_SIMD_INLINE F16 operator+(float a, F16 b) { return {a + b.lo, a + b.hi}; }
SL_SIMD_INLINE F16 operator*(float a, F16 b) { return {a * b.lo, a * b.hi}; }
SL_SIMD_INLINE F16 operator-(F16 a) { return {-a.lo, -a.hi}; }
SL_SIMD_INLINE F16& operator+=(F16& a, F16 b) { return a = a + b; }
SL_SIMD_INLINE I16 operator<(F16 a, F16 b) { return {a.lo < b.lo, a.hi < b.hi}; }
SL_SIMD_INLINE I16 operator>(F16 a, F16 b) { return {a.lo > b.lo, a.hi > b.hi}; }
SL_SIMD_INLINE I16 operator>(F16 a, float b) { return {a.lo > b, a.hi > b}; }
SL_SIMD_INLINE I16 operator+(I16 a, I16 b) { return {a.lo + b.lo, a.hi + b.hi}; }
SL_SIMD_INLINE I16 operator-(I16 a, I16 b) { return {a.lo - b.lo, a.hi - b.hi}; }
SL_SIMD_INLINE I16 operator+(I16 a, std::int32_t b) { return {a.lo + b, a.hi + b}; }
SL_SIMD_INLINE I16 operator<<(I16 a, int b) { return {a.lo << b, a.hi << b}; }
SL_SIMD_INLINE D16 operator*(D16 a, D16 b) {
  for (int i = 0; i < 4; ++i) a.q[i] *= b.q[i];
  return a;
}
SL_SIMD_INLINE D16& operator+=(D16& a, D16 b) {
  for (int i = 0; i < 4; ++i) a.q[i] += b.q[i];
  return a;
}

SL_SIMD_INLINE F16 splat(float v) { return {F8{} + v, F8{} + v}; }
SL_SIMD_INLINE F16 load(const float* p) {
  F16 v;
  std::memcpy(&v.lo, p, sizeof v.lo);
  std::memcpy(&v.hi, p + 8, sizeof v.hi);
  return v;
}
SL_SIMD_INLINE void store(float* p, F16 v) {
  std::memcpy(p, &v.lo, sizeof v.lo);
  std::memcpy(p + 8, &v.hi, sizeof v.hi);
}
// The first n (< 16) values at p; the other lanes hold `fill`.
SL_SIMD_INLINE F16 load_part(const float* p, std::int64_t n, float fill) {
  float buf[kLanes];
  for (std::int64_t i = 0; i < kLanes; ++i) buf[i] = i < n ? p[i] : fill;
  return load(buf);
}
SL_SIMD_INLINE void store_part(float* p, F16 v, std::int64_t n) {
  float buf[kLanes];
  store(buf, v);
  std::memcpy(p, buf, static_cast<std::size_t>(n) * sizeof(float));
}
SL_SIMD_INLINE float lane(F16 v, int i) { return i < 8 ? v.lo[i] : v.hi[i - 8]; }
SL_SIMD_INLINE F16 select(I16 c, F16 a, F16 b) { return {c.lo ? a.lo : b.lo, c.hi ? a.hi : b.hi}; }
// Lanes 0..n-1 set (all ones), the others 0.
SL_SIMD_INLINE I16 first_lanes(std::int64_t n) {
  const I8 index = {0, 1, 2, 3, 4, 5, 6, 7};
  const auto m = static_cast<std::int32_t>(n);
  return {index < m, index + 8 < m};
}
SL_SIMD_INLINE F16 max(F16 a, F16 b) { return select(a > b, a, b); }

// Lane sums in a fixed tree: (l + l+8) for l < 8, then (l + l+4), then (0 + 2) + (1 + 3).
SL_SIMD_INLINE float sum_lanes(F16 v) {
  const F8 a = v.lo + v.hi;
  F4 a_lo, a_hi;
  std::memcpy(&a_lo, &a, sizeof a_lo);
  std::memcpy(&a_hi, reinterpret_cast<const char*>(&a) + sizeof a_lo, sizeof a_hi);
  const F4 b = a_lo + a_hi;
  return (b[0] + b[2]) + (b[1] + b[3]);
}
SL_SIMD_INLINE double sum_lanes(D16 v) {
  const D4 b = (v.q[0] + v.q[2]) + (v.q[1] + v.q[3]);
  return (b[0] + b[2]) + (b[1] + b[3]);
}
SL_SIMD_INLINE float max_lanes(F16 v) {
  float m = v.lo[0];
  for (int i = 1; i < kLanes; ++i) m = lane(v, i) > m ? lane(v, i) : m;  // max is exact: any order
  return m;
}
SL_SIMD_INLINE D16 to_double(F16 v) {
  F4 q[4];
  std::memcpy(q, &v.lo, sizeof v.lo);
  std::memcpy(q + 2, &v.hi, sizeof v.hi);
  D16 d;
  for (int i = 0; i < 4; ++i) d.q[i] = __builtin_convertvector(q[i], D4);
  return d;
}

SL_SIMD_INLINE std::int32_t bits_of(float x) { return std::bit_cast<std::int32_t>(x); }
SL_SIMD_INLINE I16 bits_of(F16 x) { return {reinterpret_cast<I8>(x.lo), reinterpret_cast<I8>(x.hi)}; }
SL_SIMD_INLINE float float_of(std::int32_t b) { return std::bit_cast<float>(b); }
SL_SIMD_INLINE F16 float_of(I16 b) { return {reinterpret_cast<F8>(b.lo), reinterpret_cast<F8>(b.hi)}; }
SL_SIMD_INLINE float select(bool c, float a, float b) { return c ? a : b; }

// e^x for float or F16, the same operations per lane either way. Relative error below 2^-22
// (tests/local/training); 0 for x < -87 (e^-87 = 1.6e-38, the smallest normal floats); inputs
// above 88 count as 88. Range reduction x = n ln2 + r, |r| <= ln2 / 2, with ln2 split in two
// so that n * ln2_hi is exact; e^r by its Taylor series to r^7 (truncation < 6e-9 relative);
// 2^n built from its exponent bits.
template <class V>
SL_SIMD_INLINE V exp(V x) {
  const V lo = V{} - 87.0f, hi = V{} + 88.0f;
  const auto underflow = x < lo;
  x = select(underflow, lo, x);
  x = select(x > hi, hi, x);
  const V shifter = V{} + 12582912.0f;             // 1.5 * 2^23: adding it rounds to an integer
  const V t = x * 1.44269504088896341f + shifter;  // x / ln2 rounded, n = t - shifter
  const V n = t - shifter;
  V r = x - n * 0.693359375f;            // ln2_hi: 9 significant bits
  r = r - n * -2.12194440054690583e-4f;  // ln2_lo = ln2 - ln2_hi
  V p = V{} + 1.0f / 5040;
  p = p * r + 1.0f / 720;
  p = p * r + 1.0f / 120;
  p = p * r + 1.0f / 24;
  p = p * r + 1.0f / 6;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const auto scale = float_of((bits_of(t) - bits_of(shifter) + 127) << 23);  // 2^n, n in [-126, 127]
  return select(underflow, V{}, p * scale);
}

// Loops the kernel files share (each is inlined into its caller's instruction-set build).

// sum of a[i] * b[i], in 16 lanes.
SL_SIMD_INLINE float dot(const float* a, const float* b, std::int64_t n) {
  F16 acc{};
  std::int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) acc += load(a + i) * load(b + i);
  if (i < n) acc += load_part(a + i, n - i, 0) * load_part(b + i, n - i, 0);
  return sum_lanes(acc);
}

// y[i] += alpha * x[i]
SL_SIMD_INLINE void axpy(float alpha, const float* x, float* y, std::int64_t n) {
  std::int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) store(y + i, load(y + i) + alpha * load(x + i));
  if (i < n) store_part(y + i, load_part(y + i, n - i, 0) + alpha * load_part(x + i, n - i, 0), n - i);
}

// x[i] = exp(x[i] - shift); returns the 16 lanes' running sums, for the caller to add up in
// float (sum_lanes) or in double (sum_lanes(to_double(...))).
SL_SIMD_INLINE F16 exp_in_place_lanes(float* x, std::int64_t n, float shift) {
  F16 acc{};
  std::int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    const F16 e = simd::exp(load(x + i) - shift);
    store(x + i, e);
    acc += e;
  }
  if (i < n) {
    const F16 e = simd::exp(load_part(x + i, n - i, shift) - shift);
    store_part(x + i, e, n - i);
    acc += select(first_lanes(n - i), e, F16{});  // the padding's exp(0) is no value
  }
  return acc;
}

// Which build of the kernels runs.
enum class KernelPath { generic, avx2, avx512 };

const char* name_of(KernelPath path);
// Paths this CPU can run, generic first.
std::vector<KernelPath> supported_kernel_paths();
// SL_CPU_KERNELS (auto | avx512 | avx2 | generic | torch; unset = auto; torch runs as auto
// here and makes inference skip the kernels, compute/device.hpp), read once. auto takes the widest
// path the CPU has (all give the same bits). A value not in the list, or a path this CPU lacks,
// is an sl::UsageError naming the variable.
KernelPath kernel_path();

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
// f() with every call inside it inlined and compiled for the instruction set named.
template <class F>
[[gnu::target("avx512f"), gnu::flatten]] void run_avx512(const F& f) {
  f();
}
template <class F>
[[gnu::target("avx2"), gnu::flatten]] void run_avx2(const F& f) {
  f();
}
#define SL_SIMD_HAS_TARGETS 1
#endif
template <class F>
[[gnu::flatten]] void run_generic(const F& f) {
  f();
}

// Runs f, a lambda calling the kernels' loops, compiled for the path SL_CPU_KERNELS chose.
// Call it around a whole row range, not per element: it reads the choice each time.
template <class F>
inline void dispatch(const F& f) {
  switch (kernel_path()) {
#ifdef SL_SIMD_HAS_TARGETS
    case KernelPath::avx512:
      return run_avx512(f);
    case KernelPath::avx2:
      return run_avx2(f);
#endif
    default:
      return run_generic(f);
  }
}

}  // namespace sl::local::simd
