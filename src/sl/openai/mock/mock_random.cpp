#include "sl/openai/mock/mock_random.hpp"

#include <cstring>

namespace sl::openai::mock {

std::uint64_t hash_bytes(std::string_view bytes, std::uint64_t seed) {
  std::uint64_t h = mix64(seed ^ 0x6A09E667F3BCC909ULL);
  std::size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    std::uint64_t chunk;
    std::memcpy(&chunk, bytes.data() + i, 8);  // little-endian hosts only; all our targets are
    h = mix64(h ^ chunk);
  }
  std::uint64_t tail = 0;
  std::memcpy(&tail, bytes.data() + i, bytes.size() - i);
  return mix64(h ^ tail ^ (static_cast<std::uint64_t>(bytes.size()) << 56));
}

}  // namespace sl::openai::mock
