#include "seeds.hpp"

#include <utility>

namespace sl::mnist {

namespace {

// SplitMix64 (Steele, Lea & Flood 2014): a fast generator whose outputs are also good seeds.
uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace

uint64_t derive_seed(int64_t seed, Stream stream, int64_t index) {
  uint64_t state = static_cast<uint64_t>(seed) ^ (static_cast<uint64_t>(stream) << 56);
  state = splitmix64(state) ^ static_cast<uint64_t>(index);
  return splitmix64(state);
}

std::vector<int64_t> random_derangement(int64_t n, uint64_t seed) {
  std::vector<int64_t> p(static_cast<std::size_t>(n));
  for (int64_t i = 0; i < n; ++i) p[static_cast<std::size_t>(i)] = i;
  uint64_t state = seed;
  for (int64_t i = n - 1; i > 0; --i) {
    const auto j = static_cast<int64_t>(splitmix64(state) % static_cast<uint64_t>(i));  // j < i
    std::swap(p[static_cast<std::size_t>(i)], p[static_cast<std::size_t>(j)]);
  }
  return p;
}

}  // namespace sl::mnist
