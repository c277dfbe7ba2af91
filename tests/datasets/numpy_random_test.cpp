// Check values from ../shared/reference/numpy_random.md (numpy 1.24.2).
#include "sl/core/numpy_random.hpp"

#include <gtest/gtest.h>

using sl::numpy::Generator;
using sl::numpy::PCG64;
using sl::numpy::SeedSequence;

TEST(NumpyRandom, SeedSequencePools) {
  auto seq42 = SeedSequence::from_seed(42);
  auto p42 = seq42.pool();
  EXPECT_EQ(p42[0], 0x631d3606u);
  EXPECT_EQ(p42[1], 0x07ae90aeu);
  EXPECT_EQ(p42[2], 0x6fc4be28u);
  EXPECT_EQ(p42[3], 0x2ced5c75u);
  auto big = SeedSequence::from_seed((1ULL << 40) + 3);
  EXPECT_EQ(big.pool()[0], 0xad49605fu);
  EXPECT_EQ(big.pool()[3], 0x4322395au);
  auto s0 = SeedSequence::from_seed(0).generate_state_u64(4);
  EXPECT_EQ(s0[0], 0xdb2cd7e7b0f478beULL);
  EXPECT_EQ(s0[3], 0x2c4099de223c39d4ULL);
}

TEST(NumpyRandom, Pcg64StateAndOutputs) {
  PCG64 g(42);
  unsigned __int128 expected_state =
      (static_cast<unsigned __int128>(0xcea44f6798798f2aULL) << 64) | 0xacbc7c9d68860ac8ULL;
  unsigned __int128 expected_inc =
      (static_cast<unsigned __int128>(0xfa505436c9a8416eULL) << 64) | 0x66caf2e28d25abffULL;
  EXPECT_TRUE(g.state() == expected_state);
  EXPECT_TRUE(g.increment() == expected_inc);
  EXPECT_EQ(g.next_uint64(), 0xc621fbcd16d92688ULL);
  EXPECT_EQ(g.next_uint64(), 0x705a5661a791ffc1ULL);
  EXPECT_EQ(g.next_uint64(), 0xdbcd12c26eda1624ULL);

  PCG64 g0(0);
  EXPECT_EQ(g0.next_uint64(), 0xa30febcfd9c2825fULL);
  PCG64 gbig((1ULL << 40) + 3);
  EXPECT_EQ(gbig.next_uint64(), 0xc60e533fbbb0872cULL);
}

TEST(NumpyRandom, Buffered32BitDrawsLowHalfFirst) {
  PCG64 g(42);
  EXPECT_EQ(g.next_uint32(), 0x16d92688u);
  EXPECT_EQ(g.next_uint32(), 0xc621fbcdu);
}

TEST(NumpyRandom, FirstPromptTrace) {
  Generator rng(42);
  EXPECT_EQ(rng.integers(3, 9), 3);
  EXPECT_EQ(rng.integers(100, 1000), 796);
  EXPECT_EQ(rng.integers(100, 1000), 689);
  EXPECT_EQ(rng.integers(100, 1000), 494);
  EXPECT_EQ(rng.integers(0, 25), 10);
  EXPECT_EQ(rng.integers(0, 9), 7);
  EXPECT_EQ(rng.integers(0, 9), 0);
  EXPECT_EQ(rng.integers(0, 10), 6);
  EXPECT_EQ(rng.integers(0, 15), 3);
  EXPECT_EQ(rng.integers(0, 19), 1);
}

TEST(NumpyRandom, SingleValueRangeDrawsNothing) {
  Generator a(7), b(7);
  EXPECT_EQ(a.integers(1, 2), 1);
  EXPECT_EQ(a.random_raw(), b.random_raw());
  EXPECT_THROW(a.integers(3, 3), std::invalid_argument);
}
