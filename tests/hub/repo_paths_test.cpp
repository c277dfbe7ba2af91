// Names from users and from the server: what may reach the file system.
#include "sl/hub/repo_paths.hpp"

#include <gtest/gtest.h>

#include "sl/core/error.hpp"

namespace sl::hub {
namespace {

TEST(RepoPaths, UnsafeNamesAreRejected) {
  for (const char* bad :
       {"", "/etc/passwd", "../x", "a/../../x", "a/..", "..", "a\\b", "a//b", "a/", "./a", "a/./b", "a\nb"})
    EXPECT_FALSE(unsafe_path_reason(bad).empty()) << bad;
  for (const char* good : {"config.json", "a/b/c.safetensors", "..hidden", "x..y", "refs/pr/1"})
    EXPECT_TRUE(unsafe_path_reason(good).empty()) << good;
  EXPECT_THROW(check_repo_path("../../etc/x", "file name"), Error);
}

TEST(RepoPaths, RepoIdsHaveTheHubsShape) {
  const RepoId r = parse_repo_id("Qwen/Qwen2.5-0.5B-Instruct");
  EXPECT_EQ(r.org, "Qwen");
  EXPECT_EQ(r.name, "Qwen2.5-0.5B-Instruct");
  EXPECT_EQ(cache_folder_name(r), "models--Qwen--Qwen2.5-0.5B-Instruct");
  EXPECT_EQ(cache_folder_name(parse_repo_id("gpt2")), "models--gpt2");
  for (const char* bad : {"", "a/b/c", "../x", "a/..", "a--b/c", "/a", "a/", ".a/b", "a b/c"})
    EXPECT_THROW(parse_repo_id(bad), UsageError) << bad;
}

TEST(RepoPaths, CommitHashes) {
  EXPECT_TRUE(is_commit_hash("0123456789abcdef0123456789abcdef01234567"));
  EXPECT_FALSE(is_commit_hash("0123456789ABCDEF0123456789abcdef01234567"));
  EXPECT_FALSE(is_commit_hash("main"));
}

}  // namespace
}  // namespace sl::hub
