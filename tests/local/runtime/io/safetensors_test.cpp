// The safetensors reader: valid files round-trip; truncated, oversized-header, malformed and
// malicious files are clear errors naming the file (and tensor), never crashes.
#include "sl/local/runtime/io/safetensors.hpp"

#include <gtest/gtest.h>

#include <cstring>

#include "sl/core/error.hpp"
#include "test_support.hpp"

namespace sl::local {
namespace {

using sl::test::TempDir;
using sl::test::write_file;

std::string u64le(std::uint64_t n) {
  std::string s;
  for (int i = 0; i < 8; ++i) s.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  return s;
}

// A file with a hand-written header and `data_bytes` bytes of data.
std::string file_with(const std::string& header, std::size_t data_bytes) {
  return u64le(header.size()) + header + std::string(data_bytes, '\x01');
}

std::string error_of(const std::filesystem::path& path) {
  try {
    SafetensorsFile::open(path);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Safetensors, RoundTripsTensorsAndMetadata) {
  TempDir dir;
  const float a[6] = {1, 2, 3, 4, 5, 6};
  const std::uint16_t b[2] = {0x3c00, 0x4000};
  write_safetensors(dir / "t.safetensors",
                    {{"a", DType::F32, {2, 3}, std::as_bytes(std::span(a))},
                     {"b.half", DType::F16, {2}, std::as_bytes(std::span(b))}},
                    {{"format", "pt"}});
  auto f = SafetensorsFile::open(dir / "t.safetensors");
  ASSERT_EQ(f->tensors().size(), 2u);
  EXPECT_EQ(f->metadata().at("format"), "pt");
  EXPECT_EQ(f->data_offset() % 8, 0u) << "header padded so that data is aligned";
  const TensorInfo* ta = f->find("a");
  ASSERT_NE(ta, nullptr);
  EXPECT_EQ(ta->shape, (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(ta->dtype, DType::F32);
  ASSERT_EQ(f->data(*ta).size(), sizeof a);
  EXPECT_EQ(std::memcmp(f->data(*ta).data(), a, sizeof a), 0);
  const TensorInfo* tb = f->find("b.half");
  ASSERT_NE(tb, nullptr);
  EXPECT_EQ(std::memcmp(f->data(*tb).data(), b, sizeof b), 0);
  EXPECT_EQ(f->find("c"), nullptr);
}

TEST(Safetensors, AcceptsEmptyTensorsAndSpacePaddedHeader) {
  TempDir dir;
  write_file(
      dir / "ok.safetensors",
      file_with(
          R"({"e":{"dtype":"F32","shape":[0,4],"data_offsets":[0,0]},"x":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}   )",
          4));
  auto f = SafetensorsFile::open(dir / "ok.safetensors");
  EXPECT_EQ(f->tensors().size(), 2u);
}

struct BadCase {
  const char* name;
  std::string bytes;
  const char* expected;  // a fragment of the message
};

TEST(Safetensors, RejectsCorruptFilesWithClearMessages) {
  const std::string good_entry = R"("w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]})";
  const std::vector<BadCase> cases = {
      {"short", "abc", "shorter than the 8-byte header length"},
      {"header_past_end", u64le(1000) + "{}", "runs past the end of the file"},
      {"huge_header", u64le(std::uint64_t{1} << 40) + "{}", "exceeds the format's 100 MB limit"},
      {"bad_json", file_with(R"({"w": {"dtype": )", 16), "not valid JSON"},
      {"not_object", file_with("[1,2]", 0), "does not start with '{'"},
      {"unknown_dtype", file_with(R"({"w":{"dtype":"F33","shape":[2,2],"data_offsets":[0,16]}})", 16), "unknown dtype"},
      {"negative_shape", file_with(R"({"w":{"dtype":"F32","shape":[-2,2],"data_offsets":[0,16]}})", 16),
       "not a non-negative integer"},
      {"shape_size_mismatch", file_with(R"({"w":{"dtype":"F32","shape":[3,2],"data_offsets":[0,16]}})", 16),
       "needs 24"},
      {"wrong_dtype_for_size", file_with(R"({"w":{"dtype":"F16","shape":[2,2],"data_offsets":[0,16]}})", 16),
       "needs 8"},
      {"offsets_past_end", file_with("{" + good_entry + "}", 8), "run past the end of the data"},
      {"offsets_reversed", file_with(R"({"w":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}})", 16),
       "end before they begin"},
      {"offsets_not_pair", file_with(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}})", 16),
       "two non-negative integers"},
      {"overlap",
       file_with(
           R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})",
           16),
       "overlaps tensor"},
      {"overlap_hidden_by_empty",
       file_with(
           R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"z":{"dtype":"F32","shape":[0],"data_offsets":[4,4]},)"
           R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
           16),
       "overlaps tensor \"a\""},
      {"duplicate_name", file_with("{" + good_entry + "," + good_entry + "}", 16), "appears twice"},
      {"huge_shape", file_with(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,16]}})", 16),
       "too large"},
      {"unknown_key", file_with(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"extra":1}})", 4),
       "unknown key"},
      {"metadata_not_strings", file_with(R"({"__metadata__":{"a":1}})", 0), "__metadata__.a is not a string"},
  };
  TempDir dir;
  for (const auto& c : cases) {
    const auto path = dir / (std::string(c.name) + ".safetensors");
    write_file(path, c.bytes);
    const std::string message = error_of(path);
    EXPECT_NE(message.find(c.expected), std::string::npos) << c.name << ": " << message;
    EXPECT_NE(message.find(path.string()), std::string::npos) << c.name << " names the file: " << message;
  }
}

TEST(Safetensors, ErrorsNameTheTensor) {
  TempDir dir;
  write_file(dir / "t.safetensors",
             file_with(R"({"model.norm.weight":{"dtype":"F32","shape":[8],"data_offsets":[0,32]}})", 16));
  EXPECT_NE(error_of(dir / "t.safetensors").find("tensor \"model.norm.weight\""), std::string::npos);
}

TEST(Safetensors, MissingFileIsAUsageError) {
  TempDir dir;
  EXPECT_NE(error_of(dir / "absent.safetensors").find("cannot open"), std::string::npos);
}

TEST(Safetensors, EveryTruncationOfAValidFileIsAnErrorNotACrash) {
  TempDir dir;
  const float a[4] = {1, 2, 3, 4};
  const std::string whole = encode_safetensors({{"a", DType::F32, {4}, std::as_bytes(std::span(a))}});
  for (std::size_t n = 0; n < whole.size(); ++n) {
    write_file(dir / "cut.safetensors", whole.substr(0, n));
    EXPECT_NE(error_of(dir / "cut.safetensors"), "(no error)") << "truncated to " << n << " bytes";
  }
}

}  // namespace
}  // namespace sl::local
