// The safetensors format (Hugging Face): an 8-byte little-endian header length N, N bytes of
// JSON {"__metadata__": {str: str}, NAME: {"dtype", "shape", "data_offsets": [begin, end]}},
// then the tensor bytes; offsets are relative to the end of the header.
//
// Reading is defensive: the header length, the JSON, every dtype, shape, size and offset, and
// overlaps between tensors are checked against the real file size before any byte of tensor
// data is touched, so a truncated or malicious file is a clear sl::UsageError naming the file
// (and tensor), never a crash or an out-of-bounds read. Torch-free.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sl/local/runtime/io/mapped_file.hpp"

namespace sl::local {

enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL, U16, U32, U64, F8_E4M3, F8_E5M2 };

std::optional<DType> parse_dtype(std::string_view name);
std::string_view dtype_name(DType dtype);
std::size_t dtype_size(DType dtype);

struct TensorInfo {
  std::string name;
  DType dtype = DType::F32;
  std::vector<std::int64_t> shape;
  std::size_t begin = 0;  // byte offsets in the data section
  std::size_t end = 0;

  std::int64_t numel() const;
};

// The header format's size limit (as in the reference implementation): 100 MB.
inline constexpr std::uint64_t kMaxSafetensorsHeader = 100'000'000;

class SafetensorsFile {
 public:
  // Maps and validates `path`.
  static std::shared_ptr<const SafetensorsFile> open(const std::filesystem::path& path);

  const std::filesystem::path& path() const { return file_->path(); }
  // In data order.
  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const TensorInfo* find(std::string_view name) const;
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

  // The bytes of a tensor of this file (already bounds-checked at open()).
  std::span<const std::byte> data(const TensorInfo& tensor) const;
  // Absolute offset of the data section in the file.
  std::size_t data_offset() const { return data_offset_; }
  const std::shared_ptr<const MappedFile>& mapping() const { return file_; }

 private:
  SafetensorsFile() = default;
  std::shared_ptr<const MappedFile> file_;
  std::size_t data_offset_ = 0;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, std::size_t, std::less<>> index_;
  std::map<std::string, std::string> metadata_;
};

// A tensor to write: raw little-endian bytes of `dtype` in row-major order.
struct TensorBytes {
  std::string name;
  DType dtype = DType::F32;
  std::vector<std::int64_t> shape;
  std::span<const std::byte> data;
};

// The whole file as bytes (header padded with spaces to a multiple of 8, tensors in the given
// order). Throws sl::Error when a tensor's byte count does not match its dtype and shape.
std::string encode_safetensors(const std::vector<TensorBytes>& tensors,
                               const std::map<std::string, std::string>& metadata = {});
// Writes it atomically (see sl::files::write_atomic).
void write_safetensors(const std::filesystem::path& path, const std::vector<TensorBytes>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace sl::local
