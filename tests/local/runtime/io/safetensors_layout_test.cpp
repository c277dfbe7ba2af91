// The safetensors header parser on bytes in memory (torch-free, so it also runs in the
// sanitizer build): what SafetensorsFile::open checks, plus the JSON limits on the header.
#include "sl/local/runtime/io/safetensors_layout.hpp"

#include <gtest/gtest.h>

#include "sl/core/error.hpp"
#include "sl/core/json.hpp"
#include "sl/core/json_limits.hpp"

namespace sl::local {
namespace {

std::string u64le(std::uint64_t n) {
  std::string s;
  for (int i = 0; i < 8; ++i) s.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  return s;
}

std::span<const std::byte> bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

std::string error_of(const std::string& file) {
  try {
    parse_safetensors_layout(bytes_of(file), "m.safetensors");
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(SafetensorsLayout, ReadsTensorsInDataOrderWithinTheFile) {
  const std::string header =
      R"({"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},"a":{"dtype":"U8","shape":[8],"data_offsets":[0,8]},)"
      R"("__metadata__":{"format":"pt"}})";
  const std::string file = u64le(header.size()) + header + std::string(16, '\0');
  const auto layout = parse_safetensors_layout(bytes_of(file), "m.safetensors");
  ASSERT_EQ(layout.tensors.size(), 2u);
  EXPECT_EQ(layout.tensors[0].name, "a");
  EXPECT_EQ(layout.tensors[1].name, "b");
  EXPECT_EQ(layout.data_offset, 8 + header.size());
  EXPECT_EQ(layout.metadata.at("format"), "pt");
}

TEST(SafetensorsLayout, OffsetsAreCheckedAgainstTheFileSize) {
  const std::string header = R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})";
  EXPECT_NE(
      error_of(u64le(header.size()) + header + std::string(15, '\0')).find("run past the end of the data (15 bytes"),
      std::string::npos);
  EXPECT_NE(error_of(u64le(kMaxSafetensorsHeader + 1) + "{}").find("exceeds the format's 100 MB limit"),
            std::string::npos);
}

TEST(SafetensorsLayout, DeeplyNestedHeaderIsAClearError) {
  const std::string deep =
      "{\"__metadata__\":" + std::string(json::kMaxDepth, '[') + std::string(json::kMaxDepth, ']') + "}";
  EXPECT_NE(error_of(u64le(deep.size()) + deep).find("m.safetensors: header: JSON nested deeper than 512 levels"),
            std::string::npos)
      << error_of(u64le(deep.size()) + deep);
}

}  // namespace
}  // namespace sl::local
