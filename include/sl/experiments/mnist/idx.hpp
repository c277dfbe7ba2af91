// IDX files, the format MNIST and Fashion-MNIST ship in (http://yann.lecun.com/exdb/mnist/):
//
//   bytes 0-1  zero
//   byte  2    element type (0x08 = unsigned byte, the only one these data sets use)
//   byte  3    number of dimensions d
//   then d big-endian uint32 sizes, then the elements in row-major order.
//
// Files may be gzip-compressed (as distributed) or plain; both are read transparently.
// Anything malformed is an sl::UsageError naming the file and what is wrong with it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace sl::mnist {

struct IdxArray {
  std::vector<std::uint32_t> dims;
  std::vector<std::uint8_t> data;  // product(dims) elements, row-major
};

// Parses IDX bytes (already decompressed). `source` names the file in error messages.
IdxArray parse_idx(std::string_view bytes, const std::string& source);

// Decompresses a gzip stream (all members). `source` names the file in error messages.
std::string gunzip(std::string_view bytes, const std::string& source);

// Reads an IDX file, gzip-compressed (detected by its magic bytes) or plain.
IdxArray read_idx_file(const std::filesystem::path& path);

}  // namespace sl::mnist
