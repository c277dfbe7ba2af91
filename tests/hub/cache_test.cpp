// The cache layout pieces: blob names, relative snapshot links, refs, default file patterns.
#include "sl/hub/cache.hpp"

#include <gtest/gtest.h>

#include "sl/core/error.hpp"
#include "sl/hub/download.hpp"
#include "test_support.hpp"

namespace sl::hub {
namespace {

namespace fs = std::filesystem;
const std::string kCommit = "0123456789abcdef0123456789abcdef01234567";

TEST(RepoCache, LinksAreRelativeAndRefsHoldTheCommit) {
  sl::test::TempDir dir;
  const RepoCache cache(dir.path(), parse_repo_id("org/m"));
  const std::string etag = std::string(64, 'a');
  sl::test::write_file(dir / "done", "bytes");
  cache.store_blob(dir / "done", etag);
  cache.link(kCommit, "config.json", etag);
  cache.link(kCommit, "sub/dir/file.bin", etag);
  const fs::path snap = dir / "models--org--m" / "snapshots" / kCommit;
  EXPECT_EQ(fs::read_symlink(snap / "config.json"), fs::path("../../blobs") / etag);
  EXPECT_EQ(fs::read_symlink(snap / "sub" / "dir" / "file.bin"), fs::path("../../../../blobs") / etag);
  EXPECT_EQ(sl::test::read_file(snap / "sub" / "dir" / "file.bin"), "bytes");
  cache.link(kCommit, "config.json", etag);  // again: unchanged, no error
  cache.write_ref("main", kCommit);
  EXPECT_EQ(sl::test::read_file(dir / "models--org--m" / "refs" / "main"), kCommit);  // no newline, as huggingface_hub
  EXPECT_EQ(cache.commit_of("main"), kCommit);
  EXPECT_EQ(cache.commit_of(kCommit), kCommit);
  EXPECT_FALSE(cache.commit_of("v2"));
  EXPECT_THROW(cache.link(kCommit, "../escape", etag), Error);
  EXPECT_THROW(cache.blob("../x"), Error);
  EXPECT_THROW(cache.ref("../../x"), Error);
}

TEST(RepoCache, EtagsAreNormalised) {
  EXPECT_EQ(normalize_etag("\"abc\""), "abc");
  EXPECT_EQ(normalize_etag("W/\"abc\""), "abc");
  EXPECT_EQ(normalize_etag(""), "");
}

TEST(DefaultPatterns, WhatAModelNeeds) {
  const auto& p = default_model_patterns();
  for (const char* yes : {"config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
                          "model.safetensors", "model-00001-of-00002.safetensors", "model.safetensors.index.json",
                          "adapter_config.json", "adapter_model.safetensors", "merges.txt", "vocab.json"})
    EXPECT_TRUE(matches_any(yes, p)) << yes;
  for (const char* no : {"README.md", "pytorch_model.bin", "original/consolidated.00.pth", ".gitattributes"})
    EXPECT_FALSE(matches_any(no, p)) << no;
}

}  // namespace
}  // namespace sl::hub
