// The header of a safetensors file read from bytes in memory: what SafetensorsFile::open
// (safetensors.hpp) checks, without a file or a mapping, so that the fuzz target of this parser
// (tests/fuzz/safetensors_header.cpp) can feed it bytes. Torch-free.
#pragma once

#include <cstddef>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "sl/local/runtime/io/safetensors.hpp"

namespace sl::local {

// What a safetensors file's header says, validated against the file's size.
struct SafetensorsLayout {
  std::size_t data_offset = 0;      // absolute offset of the data section
  std::vector<TensorInfo> tensors;  // in data order
  std::map<std::string, std::string> metadata;
};

// Reads and checks the header of the whole file `bytes` (its length, the JSON, every dtype,
// shape, size, offset and overlap); `origin` names the file in messages. Reads no tensor data.
SafetensorsLayout parse_safetensors_layout(std::span<const std::byte> bytes, const std::string& origin);

}  // namespace sl::local
