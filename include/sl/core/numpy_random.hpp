// numpy's `np.random.Generator(np.random.PCG64(seed))`, bit for bit, for the parts the reference
// tool's PromptGenerator uses: SeedSequence seeding, PCG64 (XSL-RR 128/64) with numpy's buffered
// 32-bit draws, `integers(low, high)` (Lemire's method, `high` excluded) and `choice(list)`.
// The algorithm is documented in ../shared/reference/numpy_random.md.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <vector>

namespace sl::numpy {

// np.random.SeedSequence(entropy) with pool_size 4 and no spawn key.
class SeedSequence {
 public:
  // `entropy` = the seed as 32-bit words, least significant first (seed 2^40+3 -> {3, 256}).
  explicit SeedSequence(const std::vector<std::uint32_t>& entropy);
  static SeedSequence from_seed(std::uint64_t seed);

  const std::uint32_t* pool() const { return pool_; }
  std::vector<std::uint32_t> generate_state_u32(std::size_t n) const;
  std::vector<std::uint64_t> generate_state_u64(std::size_t n) const;

 private:
  std::uint32_t pool_[4];
};

// np.random.PCG64 seeded from a SeedSequence.
class PCG64 {
 public:
  explicit PCG64(const SeedSequence& seq);
  explicit PCG64(std::uint64_t seed) : PCG64(SeedSequence::from_seed(seed)) {}

  std::uint64_t next_uint64();
  // numpy's buffered 32-bit draw: the low half of a 64-bit output first, then the high half.
  std::uint32_t next_uint32();

  unsigned __int128 state() const { return state_; }
  unsigned __int128 increment() const { return inc_; }

 private:
  void step();

  unsigned __int128 state_ = 0;
  unsigned __int128 inc_ = 0;
  bool has_uint32_ = false;
  std::uint32_t uinteger_ = 0;
};

// The subset of np.random.Generator the reference uses.
class Generator {
 public:
  explicit Generator(std::uint64_t seed) : bits_(seed) {}

  // Generator.integers(low, high): uniform in [low, high); raises (std::invalid_argument) when
  // low >= high, like numpy's "low >= high".
  std::int64_t integers(std::int64_t low, std::int64_t high);

  // Generator.choice(list): list[integers(0, len(list))].
  template <class T>
  const T& choice(const std::vector<T>& items) {
    if (items.empty()) throw std::invalid_argument("choice: empty list");
    return items[static_cast<std::size_t>(integers(0, static_cast<std::int64_t>(items.size())))];
  }

  std::uint64_t random_raw() { return bits_.next_uint64(); }
  PCG64& bit_generator() { return bits_; }

 private:
  PCG64 bits_;
};

}  // namespace sl::numpy
