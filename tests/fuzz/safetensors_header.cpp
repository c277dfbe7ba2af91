// Safetensors files (a model folder's weights, a LoRA adapter's): the 8-byte header length, the
// JSON header, dtypes, shapes, data offsets and overlaps, all checked against the file's size.
// The input is a whole file; whatever the parser accepts must lie inside it.
#include <cstdlib>

#include "fuzz_input.hpp"
#include "sl/local/runtime/io/safetensors_layout.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  sl::fuzz::expect_clean([&] {
    const std::span<const std::byte> file(reinterpret_cast<const std::byte*>(data), size);
    const auto layout = sl::local::parse_safetensors_layout(file, "fuzz.safetensors");
    for (const auto& t : layout.tensors) {
      // Every accepted tensor's bytes are inside the file and match its dtype and shape.
      if (t.begin > t.end || layout.data_offset + t.end > size) std::abort();
      std::uint64_t bytes = sl::local::dtype_size(t.dtype);
      for (auto d : t.shape) bytes *= static_cast<std::uint64_t>(d);
      if (bytes != t.end - t.begin) std::abort();
    }
  });
  return 0;
}
