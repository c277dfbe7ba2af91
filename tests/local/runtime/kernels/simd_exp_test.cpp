// The kernels' own exp (simd.hpp): accuracy against double-precision exp, and the same
// bits for a float as for every lane of a 16-lane vector.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>

#include "sl/local/runtime/kernels/simd.hpp"

namespace {

using namespace sl::local::simd;

TEST(SimdExp, WithinFourFloatUlpsOfExactOverItsRange) {
  // Range reduction leaves |r| <= ln2/2; the series to r^7 is off by < 6e-9 relative and the
  // eight rounded operations of Horner's rule and the scaling add a few 2^-24: 4 * 2^-24 bounds
  // both (measured worst over every float in [-87, 88]: 1.7 * 2^-24).
  const double bound = 4.0 / 16777216.0;
  double worst = 0;
  for (int i = 0; i <= 2000000; ++i) {
    const float x = -87.0f + 175.0f * static_cast<float>(i) / 2000000.0f;
    const double exact = std::exp(static_cast<double>(x));
    const double rel = std::fabs(sl::local::simd::exp(x) - exact) / exact;
    worst = std::max(worst, rel);
    ASSERT_LE(rel, bound) << "x = " << x;
  }
  std::printf("worst relative error %.3g (%.2f x 2^-24)\n", worst, worst * 16777216.0);
  EXPECT_EQ(sl::local::simd::exp(0.0f), 1.0f);
  EXPECT_EQ(sl::local::simd::exp(-87.5f), 0.0f);  // below e^-87: 0
  EXPECT_EQ(sl::local::simd::exp(-1e30f), 0.0f);
  EXPECT_EQ(sl::local::simd::exp(1e30f), sl::local::simd::exp(88.0f));  // above 88: e^88
}

TEST(SimdExp, ScalarAndEveryLaneGiveTheSameBits) {
  for (int i = 0; i < 100000; ++i) {
    float x[kLanes], v[kLanes];
    for (int l = 0; l < kLanes; ++l) x[l] = -90.0f + 180.0f * static_cast<float>(i * kLanes + l) / (100000.0f * kLanes);
    store(v, sl::local::simd::exp(load(x)));
    for (int l = 0; l < kLanes; ++l)
      ASSERT_EQ(std::bit_cast<std::uint32_t>(v[l]), std::bit_cast<std::uint32_t>(sl::local::simd::exp(x[l]))) << x[l];
  }
}

}  // namespace
