// Stable hashing and a small seeded generator for the mock: the same bytes give the same
// answers on every machine and in every run (std:: distributions are not portable, so none
// are used here).
#pragma once

#include <cstdint>
#include <string_view>

namespace sl::openai::mock {

// splitmix64's finaliser: a well-mixed 64-bit value from any 64-bit input.
constexpr std::uint64_t mix64(std::uint64_t z) {
  z += 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// A 64-bit hash of `bytes`, chained from `seed` (hash(a) then hash(b, hash(a)) covers a+b).
std::uint64_t hash_bytes(std::string_view bytes, std::uint64_t seed = 0);

class Random {
 public:
  explicit Random(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() { return mix64(state_ += 0x9E3779B97F4A7C15ULL); }
  // Uniform in [0, 1).
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Uniform in [lo, hi] (inclusive).
  std::int64_t between(std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(hi - lo + 1));
  }
  bool chance(double p) { return uniform() < p; }

 private:
  std::uint64_t state_;
};

}  // namespace sl::openai::mock
