// The parsers of the Hub's answers: the fields used, and untrusted input refused.
#include "sl/hub/api_parse.hpp"

#include <gtest/gtest.h>

#include "sl/core/error.hpp"
#include "sl/hub/upload.hpp"

namespace sl::hub {
namespace {

const std::string kSha = "0123456789abcdef0123456789abcdef01234567";

TEST(ApiParse, ModelInfo) {
  const auto info = parse_model_info(
      R"({"id": "org/m", "sha": ")" + kSha + R"(", "private": true, "siblings": [{"rfilename": "config.json"},
         {"rfilename": "sub/model.safetensors", "size": 12}]})",
      "u");
  EXPECT_EQ(info.sha, kSha);
  EXPECT_TRUE(info.is_private);
  ASSERT_EQ(info.siblings.size(), 2u);
  EXPECT_EQ(info.siblings[1].rfilename, "sub/model.safetensors");
  EXPECT_EQ(info.siblings[1].size, 12u);
}

TEST(ApiParse, UntrustedAnswersAreErrorsNamingTheUrl) {
  const std::string evil = R"({"sha": ")" + kSha + R"(", "siblings": [{"rfilename": "../../.bashrc"}]})";
  EXPECT_THROW(parse_model_info(evil, "u"), Error);
  for (const std::string& bad :
       std::vector<std::string>{"", "[]", "{}", R"({"sha": "main"})", R"({"sha": 5})",
                                R"({"sha": ")" + kSha + R"(", "siblings": [{"rfilename": 3}]})"}) {
    try {
      parse_model_info(bad, "http://x/api");
      ADD_FAILURE() << bad;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("http://x/api"), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(parse_tree(R"([{"type": "file", "path": "/abs"}])", "u"), Error);
  EXPECT_THROW(parse_preupload(R"({"files": [{"path": "a", "uploadMode": "weird"}]})", "u"), Error);
  EXPECT_THROW(parse_lfs_batch(R"({"objects": [{"oid": "x", "actions": {"upload": {"href": "file:///etc"}}}]})", "u"),
               Error);
  EXPECT_THROW(
      parse_lfs_batch(
          R"({"objects": [{"oid": "x", "actions": {"upload": {"href": "http://h", "header": {"a": "b\r\nc: d"}}}}]})",
          "u"),
      Error);
}

TEST(ApiParse, TreePreuploadBatchCommit) {
  const auto tree = parse_tree(
      R"([{"type": "file", "oid": "aa", "size": 3, "path": "a.json"},
          {"type": "file", "oid": "bb", "size": 134, "path": "w.safetensors", "lfs": {"oid": "cc", "size": 900, "pointerSize": 134}},
          {"type": "directory", "oid": "dd", "size": 0, "path": "sub"}])",
      "u");
  ASSERT_EQ(tree.size(), 3u);
  EXPECT_FALSE(tree[0].lfs_oid);
  EXPECT_EQ(tree[1].lfs_oid, "cc");
  EXPECT_EQ(tree[1].lfs_size, 900u);

  const auto modes = parse_preupload(
      R"({"files": [{"path": "a.json", "uploadMode": "regular", "shouldIgnore": false},
                    {"path": "w.safetensors", "uploadMode": "lfs", "shouldIgnore": false, "oid": "cc"}]})",
      "u");
  ASSERT_EQ(modes.size(), 2u);
  EXPECT_FALSE(modes[0].lfs);
  EXPECT_TRUE(modes[1].lfs);
  EXPECT_EQ(modes[1].oid, "cc");

  const auto batch = parse_lfs_batch(
      R"({"transfer": "basic", "objects": [
           {"oid": "o1", "size": 5, "actions": {"upload": {"href": "https://cdn/x", "header": {"X-Id": "1"}},
                                                  "verify": {"href": "https://hub/v"}}},
           {"oid": "o2", "size": 6},
           {"oid": "o3", "size": 7, "error": {"code": 422, "message": "too big"}}]})",
      "u");
  ASSERT_EQ(batch.size(), 3u);
  ASSERT_TRUE(batch[0].upload);
  EXPECT_EQ(batch[0].upload->headers.at(0).first, "X-Id");
  EXPECT_TRUE(batch[0].verify);
  EXPECT_FALSE(batch[1].upload);
  EXPECT_EQ(batch[2].error, "422: too big");

  EXPECT_EQ(parse_commit(R"({"commitUrl": "https://hub/c", "commitOid": "abc"})", "u").commit_oid, "abc");
  EXPECT_THROW(parse_commit("{}", "u"), Error);
}

TEST(ApiParse, ErrorMessages) {
  EXPECT_EQ(error_message_of(R"({"error": "Repository Not Found"})"), "Repository Not Found");
  EXPECT_EQ(error_message_of("plain\ntext"), "plain text");
}

TEST(Base64, Rfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
}

}  // namespace
}  // namespace sl::hub
