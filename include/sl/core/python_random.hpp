// Python's `random.Random(seed)` (MT19937 seeded with init_by_array) for the calls the reference
// tool makes: `random.Random(seed).sample(rows, k)` subsamples a fine-tuning dataset
// (max_dataset_size). Reproducing it keeps our subsample identical to the reference's.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace sl::python {

class Random {
 public:
  // random.Random(seed) for a non-negative integer seed.
  explicit Random(std::uint64_t seed);

  std::uint32_t genrand_uint32();
  // random.getrandbits(k) for 1 <= k <= 64.
  std::uint64_t getrandbits(int k);
  // random._randbelow(n) (rejection sampling on getrandbits(n.bit_length())).
  std::uint64_t randbelow(std::uint64_t n);
  // The indices random.sample(range(n), k) returns, in order. Throws std::invalid_argument
  // when k > n, like Python's "Sample larger than population".
  std::vector<std::size_t> sample_indices(std::size_t n, std::size_t k);

 private:
  void init_genrand(std::uint32_t s);
  void init_by_array(const std::vector<std::uint32_t>& key);

  std::array<std::uint32_t, 624> mt_{};
  int index_ = 625;
};

}  // namespace sl::python
