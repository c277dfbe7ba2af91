// SHA-256 and git's blob SHA-1 against published vectors (FIPS 180-4 examples, and
// `git hash-object` of known content).
#include "sl/hub/digest.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace sl::hub {
namespace {

TEST(Digest, Sha256KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Digest, GitBlobSha1KnownVectors) {
  // `printf '' | git hash-object --stdin`, `echo hello | git hash-object --stdin`
  EXPECT_EQ(git_blob_sha1_hex(""), "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
  EXPECT_EQ(git_blob_sha1_hex("hello\n"), "ce013625030ba8dba906f756967f9e9ca394464a");
}

TEST(Digest, StreamingInPiecesEqualsOneShot) {
  std::string data;
  for (int i = 0; i < 5000; ++i) data += static_cast<char>(i * 7);
  Sha256 h;
  for (std::size_t i = 0; i < data.size(); i += 63) h.update(std::string_view(data).substr(i, 63));
  EXPECT_EQ(h.hex(), sha256_hex(data));
  sl::test::TempDir dir;
  sl::test::write_file(dir / "f", data);
  const FileDigests d = digest_file(dir / "f");
  EXPECT_EQ(d.size, data.size());
  EXPECT_EQ(d.sha256, sha256_hex(data));
  EXPECT_EQ(d.git_sha1, git_blob_sha1_hex(data));
}

}  // namespace
}  // namespace sl::hub
