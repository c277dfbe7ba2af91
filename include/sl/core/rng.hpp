// A small, portable, seeded random number generator (xoshiro256** seeded with splitmix64).
// Used where the project draws its own random data (the demo corpus): unlike std::
// distributions its results are the same with every compiler and standard library.
#pragma once

#include <cstdint>
#include <span>

namespace sl {

class Rng {
 public:
  explicit Rng(std::uint64_t seed);
  // An independent stream for item `index` of a run seeded with `seed`.
  static Rng for_item(std::uint64_t seed, std::uint64_t index);

  std::uint64_t next();
  // Uniform in [0, n) without modulo bias (Lemire). n must be > 0.
  std::uint64_t below(std::uint64_t n);
  // Uniform in [lo, hi] (inclusive).
  std::int64_t between(std::int64_t lo, std::int64_t hi);
  // Uniform in [0, 1) with 53 random bits.
  double uniform();
  bool bernoulli(double p) { return uniform() < p; }
  // An index drawn with probability proportional to `weights` (all >= 0, sum > 0).
  std::size_t weighted(std::span<const double> weights);

 private:
  std::uint64_t s_[4];
};

}  // namespace sl
