#include "sl/local/text/utf8.hpp"

#include "sl/core/error.hpp"

namespace sl::local::utf8 {

namespace {

bool is_continuation(unsigned char b) { return (b & 0xC0) == 0x80; }

// Allowed range of the second byte for a lead byte (Unicode Table 3-7, well-formed sequences);
// this excludes overlong forms, surrogates and code points beyond U+10FFFF.
bool second_byte_ok(unsigned char lead, unsigned char b) {
  switch (lead) {
    case 0xE0:
      return b >= 0xA0 && b <= 0xBF;
    case 0xED:
      return b >= 0x80 && b <= 0x9F;
    case 0xF0:
      return b >= 0x90 && b <= 0xBF;
    case 0xF4:
      return b >= 0x80 && b <= 0x8F;
    default:
      return is_continuation(b);
  }
}

// Expected sequence length from the lead byte, 0 for bytes that never start a character.
std::size_t width_of(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

// How many bytes from `pos` are a well-formed prefix of a character (at least 1 when the lead
// byte is valid): the length of the "maximal subpart" when the sequence is broken.
std::size_t valid_prefix_length(std::string_view s, std::size_t pos, std::size_t width) {
  std::size_t n = 1;
  while (n < width && pos + n < s.size()) {
    auto b = static_cast<unsigned char>(s[pos + n]);
    bool ok = n == 1 ? second_byte_ok(static_cast<unsigned char>(s[pos]), b) : is_continuation(b);
    if (!ok) break;
    ++n;
  }
  return n;
}

}  // namespace

void append(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string encode(char32_t cp) {
  std::string out;
  append(out, cp);
  return out;
}

std::string encode(const std::u32string& cps) {
  std::string out;
  out.reserve(cps.size());
  for (char32_t cp : cps) append(out, cp);
  return out;
}

std::size_t valid_sequence_length(std::string_view s, std::size_t pos) {
  auto lead = static_cast<unsigned char>(s[pos]);
  std::size_t width = width_of(lead);
  if (width <= 1) return width;
  if (pos + width > s.size()) return 0;
  return valid_prefix_length(s, pos, width) == width ? width : 0;
}

char32_t decode_at(std::string_view s, std::size_t pos, std::size_t length) {
  auto b = [&](std::size_t i) { return static_cast<char32_t>(static_cast<unsigned char>(s[pos + i])); };
  switch (length) {
    case 1:
      return b(0);
    case 2:
      return ((b(0) & 0x1F) << 6) | (b(1) & 0x3F);
    case 3:
      return ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
    default:
      return ((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
  }
}

std::optional<std::size_t> first_invalid(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    std::size_t n = valid_sequence_length(s, i);
    if (n == 0) return i;
    i += n;
  }
  return std::nullopt;
}

std::u32string decode(std::string_view s, std::string_view what) {
  std::u32string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t n = valid_sequence_length(s, i);
    if (n == 0) throw UsageError(std::string(what) + " is not valid UTF-8 (byte offset " + std::to_string(i) + ")");
    out.push_back(decode_at(s, i, n));
    i += n;
  }
  return out;
}

std::string to_valid_lossy(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  std::size_t i = 0;
  while (i < bytes.size()) {
    auto lead = static_cast<unsigned char>(bytes[i]);
    if (lead < 0x80) {
      out.push_back(static_cast<char>(lead));
      ++i;
      continue;
    }
    std::size_t width = width_of(lead);
    std::size_t good = width == 0 ? 0 : valid_prefix_length(bytes, i, width);
    if (width != 0 && good == width) {
      out.append(bytes.substr(i, width));
      i += width;
    } else {
      append(out, kReplacementChar);
      i += good == 0 ? 1 : good;  // a maximal subpart of an ill-formed sequence
    }
  }
  return out;
}

std::size_t incomplete_suffix_length(std::string_view bytes) {
  const std::size_t n = bytes.size();
  for (std::size_t back = 1; back <= 3 && back <= n; ++back) {
    std::size_t pos = n - back;
    auto b = static_cast<unsigned char>(bytes[pos]);
    if (is_continuation(b)) continue;
    std::size_t width = width_of(b);
    if (width > back && valid_prefix_length(bytes, pos, width) == back) return back;
    return 0;
  }
  return 0;
}

}  // namespace sl::local::utf8
