#include "sl/core/numpy_random.hpp"

namespace sl::numpy {

namespace {

constexpr std::uint32_t kInitA = 0x43b0d7e5;
constexpr std::uint32_t kMultA = 0x931e8875;
constexpr std::uint32_t kInitB = 0x8b51f9dd;
constexpr std::uint32_t kMultB = 0x58f38ded;
constexpr std::uint32_t kMixMultL = 0xca01f9dd;
constexpr std::uint32_t kMixMultR = 0x4973f715;
constexpr int kXShift = 16;

// hashmix with a running constant shared across calls (numpy's `hash_const`).
struct HashMix {
  std::uint32_t h = kInitA;
  std::uint32_t operator()(std::uint32_t v) {
    v ^= h;
    h *= kMultA;
    v *= h;
    v ^= v >> kXShift;
    return v;
  }
};

std::uint32_t mix(std::uint32_t x, std::uint32_t y) {
  std::uint32_t r = kMixMultL * x - kMixMultR * y;
  return r ^ (r >> kXShift);
}

constexpr unsigned __int128 kPcgMultiplier =
    (static_cast<unsigned __int128>(0x2360ED051FC65DA4ULL) << 64) | 0x4385DF649FCCF645ULL;

}  // namespace

SeedSequence::SeedSequence(const std::vector<std::uint32_t>& entropy) {
  HashMix hashmix;
  for (int i = 0; i < 4; ++i) pool_[i] = hashmix(i < static_cast<int>(entropy.size()) ? entropy[i] : 0u);
  for (int src = 0; src < 4; ++src)
    for (int dst = 0; dst < 4; ++dst)
      if (src != dst) pool_[dst] = mix(pool_[dst], hashmix(pool_[src]));
  for (std::size_t k = 4; k < entropy.size(); ++k)
    for (int dst = 0; dst < 4; ++dst) pool_[dst] = mix(pool_[dst], hashmix(entropy[k]));
}

SeedSequence SeedSequence::from_seed(std::uint64_t seed) {
  std::vector<std::uint32_t> words{static_cast<std::uint32_t>(seed)};
  if (seed >> 32) words.push_back(static_cast<std::uint32_t>(seed >> 32));
  return SeedSequence(words);
}

std::vector<std::uint32_t> SeedSequence::generate_state_u32(std::size_t n) const {
  std::vector<std::uint32_t> out(n);
  std::uint32_t h = kInitB;
  for (std::size_t i = 0; i < n; ++i) {
    std::uint32_t v = pool_[i % 4];
    v ^= h;
    h *= kMultB;
    v *= h;
    v ^= v >> kXShift;
    out[i] = v;
  }
  return out;
}

std::vector<std::uint64_t> SeedSequence::generate_state_u64(std::size_t n) const {
  auto words = generate_state_u32(2 * n);
  std::vector<std::uint64_t> out(n);
  for (std::size_t i = 0; i < n; ++i)
    out[i] = static_cast<std::uint64_t>(words[2 * i]) | (static_cast<std::uint64_t>(words[2 * i + 1]) << 32);
  return out;
}

PCG64::PCG64(const SeedSequence& seq) {
  auto v = seq.generate_state_u64(4);
  unsigned __int128 initstate = (static_cast<unsigned __int128>(v[0]) << 64) | v[1];
  unsigned __int128 initseq = (static_cast<unsigned __int128>(v[2]) << 64) | v[3];
  // Standard PCG "setseq" seeding.
  inc_ = (initseq << 1) | 1;
  state_ = 0;
  step();
  state_ += initstate;
  step();
}

void PCG64::step() { state_ = state_ * kPcgMultiplier + inc_; }

std::uint64_t PCG64::next_uint64() {
  step();
  // XSL-RR output from the new state.
  std::uint64_t x = static_cast<std::uint64_t>(state_ >> 64) ^ static_cast<std::uint64_t>(state_);
  unsigned rot = static_cast<unsigned>(state_ >> 122);
  return (x >> rot) | (x << ((64 - rot) & 63));
}

std::uint32_t PCG64::next_uint32() {
  if (has_uint32_) {
    has_uint32_ = false;
    return uinteger_;
  }
  std::uint64_t r = next_uint64();
  uinteger_ = static_cast<std::uint32_t>(r >> 32);
  has_uint32_ = true;
  return static_cast<std::uint32_t>(r);
}

std::int64_t Generator::integers(std::int64_t low, std::int64_t high) {
  if (low >= high) throw std::invalid_argument("low >= high");
  const std::uint64_t rng = static_cast<std::uint64_t>(high) - 1 - static_cast<std::uint64_t>(low);
  if (rng == 0) return low;  // one value: numpy draws nothing
  if (rng <= 0xFFFFFFFFULL) {
    if (rng == 0xFFFFFFFFULL) return low + static_cast<std::int64_t>(bits_.next_uint32());
    // Lemire's method on 32-bit draws, no mask.
    const std::uint32_t n = static_cast<std::uint32_t>(rng + 1);
    std::uint64_t m = static_cast<std::uint64_t>(bits_.next_uint32()) * n;
    std::uint32_t leftover = static_cast<std::uint32_t>(m);
    if (leftover < n) {
      const std::uint32_t threshold = static_cast<std::uint32_t>((0xFFFFFFFFULL - rng) % n);
      while (leftover < threshold) {
        m = static_cast<std::uint64_t>(bits_.next_uint32()) * n;
        leftover = static_cast<std::uint32_t>(m);
      }
    }
    return low + static_cast<std::int64_t>(m >> 32);
  }
  if (rng == 0xFFFFFFFFFFFFFFFFULL) return low + static_cast<std::int64_t>(bits_.next_uint64());
  // 64-bit Lemire with a 128-bit product; does not touch the 32-bit buffer.
  const std::uint64_t n = rng + 1;
  unsigned __int128 m = static_cast<unsigned __int128>(bits_.next_uint64()) * n;
  std::uint64_t leftover = static_cast<std::uint64_t>(m);
  if (leftover < n) {
    const std::uint64_t threshold = (0xFFFFFFFFFFFFFFFFULL - rng) % n;
    while (leftover < threshold) {
      m = static_cast<unsigned __int128>(bits_.next_uint64()) * n;
      leftover = static_cast<std::uint64_t>(m);
    }
  }
  return low + static_cast<std::int64_t>(static_cast<std::uint64_t>(m >> 64));
}

}  // namespace sl::numpy
