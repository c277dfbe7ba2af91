#include "sl/hub/digest.hpp"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <vector>

#include "sl/core/error.hpp"

namespace sl::hub {

namespace {

std::uint32_t rotr(std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }
std::uint32_t rotl(std::uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

std::uint32_t load_be(const unsigned char* p) {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | std::uint32_t(p[3]);
}

constexpr std::uint32_t kSha256K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

// Shared Merkle-Damgard buffering: 64-byte blocks, then 0x80, zeros and the bit length (big-endian).
template <class Block>
void feed(unsigned char* buf, std::size_t& used, std::uint64_t& total, std::string_view bytes, Block&& block) {
  total += bytes.size();
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  std::size_t n = bytes.size();
  if (used) {
    const std::size_t take = std::min<std::size_t>(64 - used, n);
    std::memcpy(buf + used, p, take);
    used += take;
    p += take;
    n -= take;
    if (used < 64) return;
    block(buf);
    used = 0;
  }
  for (; n >= 64; p += 64, n -= 64) block(p);
  std::memcpy(buf, p, n);
  used = n;
}

template <class Block>
void pad(unsigned char* buf, std::size_t used, std::uint64_t total, Block&& block) {
  buf[used++] = 0x80;
  if (used > 56) {
    std::memset(buf + used, 0, 64 - used);
    block(buf);
    used = 0;
  }
  std::memset(buf + used, 0, 56 - used);
  const std::uint64_t bits = total * 8;
  for (int i = 0; i < 8; ++i) buf[56 + i] = static_cast<unsigned char>(bits >> (56 - 8 * i));
  block(buf);
}

template <std::size_t N>
std::string to_hex(const std::array<std::uint32_t, N>& h) {
  std::string out;
  char tmp[9];
  for (auto w : h) {
    std::snprintf(tmp, sizeof tmp, "%08x", w);
    out += tmp;
  }
  return out;
}

}  // namespace

Sha256::Sha256() : h_{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19} {}

void Sha256::block(const unsigned char* p) {
  std::uint32_t w[64];
  for (int i = 0; i < 16; ++i) w[i] = load_be(p + 4 * i);
  for (int i = 16; i < 64; ++i) {
    const std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    const std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  std::uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3], e = h_[4], f = h_[5], g = h_[6], h = h_[7];
  for (int i = 0; i < 64; ++i) {
    const std::uint32_t t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + kSha256K[i] + w[i];
    const std::uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  h_[0] += a, h_[1] += b, h_[2] += c, h_[3] += d, h_[4] += e, h_[5] += f, h_[6] += g, h_[7] += h;
}

void Sha256::update(std::string_view bytes) {
  feed(buf_, used_, total_, bytes, [this](const unsigned char* p) { block(p); });
}

std::string Sha256::hex() {
  pad(buf_, used_, total_, [this](const unsigned char* p) { block(p); });
  return to_hex(h_);
}

Sha1::Sha1() : h_{0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0} {}

void Sha1::block(const unsigned char* p) {
  std::uint32_t w[80];
  for (int i = 0; i < 16; ++i) w[i] = load_be(p + 4 * i);
  for (int i = 16; i < 80; ++i) w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
  std::uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3], e = h_[4];
  for (int i = 0; i < 80; ++i) {
    std::uint32_t f, k;
    if (i < 20) {
      f = (b & c) | (~b & d), k = 0x5a827999;
    } else if (i < 40) {
      f = b ^ c ^ d, k = 0x6ed9eba1;
    } else if (i < 60) {
      f = (b & c) | (b & d) | (c & d), k = 0x8f1bbcdc;
    } else {
      f = b ^ c ^ d, k = 0xca62c1d6;
    }
    const std::uint32_t t = rotl(a, 5) + f + e + k + w[i];
    e = d;
    d = c;
    c = rotl(b, 30);
    b = a;
    a = t;
  }
  h_[0] += a, h_[1] += b, h_[2] += c, h_[3] += d, h_[4] += e;
}

void Sha1::update(std::string_view bytes) {
  feed(buf_, used_, total_, bytes, [this](const unsigned char* p) { block(p); });
}

std::string Sha1::hex() {
  pad(buf_, used_, total_, [this](const unsigned char* p) { block(p); });
  return to_hex(h_);
}

FileDigests digest_file(const std::filesystem::path& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  std::ifstream in(path, std::ios::binary);
  if (ec || !in) throw Error("cannot read " + path.string());
  FileDigests d;
  d.size = size;
  Sha256 sha256;
  Sha1 sha1;
  sha1.update("blob " + std::to_string(size) + std::string(1, '\0'));
  std::vector<char> buf(1 << 20);
  std::uint64_t seen = 0;
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const auto n = static_cast<std::size_t>(in.gcount());
    if (!n) break;
    sha256.update({buf.data(), n});
    sha1.update({buf.data(), n});
    seen += n;
  }
  if (in.bad() || seen != size) throw Error("cannot read " + path.string() + " (it changed while being hashed)");
  d.sha256 = sha256.hex();
  d.git_sha1 = sha1.hex();
  return d;
}

std::string sha256_hex(std::string_view bytes) {
  Sha256 h;
  h.update(bytes);
  return h.hex();
}

std::string git_blob_sha1_hex(std::string_view bytes) {
  Sha1 h;
  h.update("blob " + std::to_string(bytes.size()) + std::string(1, '\0'));
  h.update(bytes);
  return h.hex();
}

}  // namespace sl::hub
