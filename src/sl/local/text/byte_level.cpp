#include "sl/local/text/byte_level.hpp"

#include <array>

#include "sl/local/text/utf8.hpp"

namespace sl::local::byte_level {

namespace {

struct Tables {
  std::array<char32_t, 256> byte_to_char{};
  std::array<std::string, 256> byte_to_utf8{};
  std::array<std::int16_t, 324> char_to_byte{};  // all mapped characters are below U+0144

  Tables() {
    char_to_byte.fill(-1);
    auto printable = [](int b) { return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE); };
    char32_t next = 0x100;
    for (int b = 0; b < 256; ++b) {
      char32_t c = printable(b) ? static_cast<char32_t>(b) : next++;
      byte_to_char[b] = c;
      byte_to_utf8[b] = utf8::encode(c);
      char_to_byte[c] = static_cast<std::int16_t>(b);
    }
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}

}  // namespace

char32_t char_for_byte(std::uint8_t byte) { return tables().byte_to_char[byte]; }

std::optional<std::uint8_t> byte_for_char(char32_t cp) {
  const auto& t = tables();
  if (cp >= t.char_to_byte.size() || t.char_to_byte[cp] < 0) return std::nullopt;
  return static_cast<std::uint8_t>(t.char_to_byte[cp]);
}

void append_encoded(std::string& out, std::string_view bytes) {
  const auto& t = tables();
  for (char c : bytes) out += t.byte_to_utf8[static_cast<unsigned char>(c)];
}

std::string encode(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  append_encoded(out, bytes);
  return out;
}

std::optional<std::string> decode(std::string_view mapped) {
  std::string out;
  out.reserve(mapped.size());
  std::size_t i = 0;
  while (i < mapped.size()) {
    std::size_t n = utf8::valid_sequence_length(mapped, i);
    if (n == 0) return std::nullopt;
    auto b = byte_for_char(utf8::decode_at(mapped, i, n));
    if (!b) return std::nullopt;
    out.push_back(static_cast<char>(*b));
    i += n;
  }
  return out;
}

}  // namespace sl::local::byte_level
