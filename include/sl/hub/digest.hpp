// The two digests the Hub names files by: SHA-256 (LFS objects: the ETag of a large file) and
// SHA-1 of the git blob ("blob <size>\0" + content: the ETag and oid of a regular file).
// Written from FIPS 180-4; streaming, so a multi-gigabyte file is hashed in fixed memory.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace sl::hub {

class Sha256 {
 public:
  Sha256();
  void update(std::string_view bytes);
  std::string hex();  // finishes; call once

 private:
  void block(const unsigned char* p);
  std::array<std::uint32_t, 8> h_;
  unsigned char buf_[64];
  std::size_t used_ = 0;
  std::uint64_t total_ = 0;
};

class Sha1 {
 public:
  Sha1();
  void update(std::string_view bytes);
  std::string hex();  // finishes; call once

 private:
  void block(const unsigned char* p);
  std::array<std::uint32_t, 5> h_;
  unsigned char buf_[64];
  std::size_t used_ = 0;
  std::uint64_t total_ = 0;
};

struct FileDigests {
  std::uint64_t size = 0;
  std::string sha256;    // LFS oid
  std::string git_sha1;  // git blob oid
};

// Both digests of a file in one read. Throws sl::Error naming the path when it cannot be read.
FileDigests digest_file(const std::filesystem::path& path);

// The digests of bytes in memory.
std::string sha256_hex(std::string_view bytes);
std::string git_blob_sha1_hex(std::string_view bytes);

}  // namespace sl::hub
