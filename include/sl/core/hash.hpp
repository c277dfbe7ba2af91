// FNV-1a (64 bits) over bytes: a cheap, stable fingerprint for "is this the same input as last
// time?" checks (caches, resumable runs). Not cryptographic.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace sl::hash {

inline constexpr std::uint64_t kFnv1aOffsetBasis = 14695981039346656037ULL;

inline std::uint64_t fnv1a64(std::string_view bytes, std::uint64_t h = kFnv1aOffsetBasis) {
  for (unsigned char c : bytes) h = (h ^ c) * 1099511628211ULL;
  return h;
}

// 16 lowercase hex digits.
inline std::string hex64(std::uint64_t h) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace sl::hash
