// Uploads by the real client to fake_hub_server: repo creation (private by default), LFS for
// the weights (batch, PUT to the second host with the batch's headers and without the token,
// verify), one NDJSON commit, and reruns that commit nothing twice.
#include "sl/hub/upload.hpp"

#include <gtest/gtest.h>

#include "fake_hub.hpp"
#include "hub_test_repo.hpp"
#include "sl/core/error.hpp"
#include "sl/hub/download.hpp"
#include "test_support.hpp"

namespace sl::hub {
namespace {

namespace fs = std::filesystem;
using sl::test::FakeHub;
using sl::test::TempDir;

UploadResult upload(const FakeHub& hub, const fs::path& folder, const std::string& repo, bool is_private = true,
                    std::optional<std::string> token = "hf_good") {
  UploadRequest r;
  r.repo = repo;
  r.folder = folder;
  r.private_repo = is_private;
  return upload_folder(r, sl::test::fake_hub_settings(hub.url(), "/nonexistent-cache", std::move(token)));
}

TEST(HubUpload, OneCommitWithLfsThenNothingTwice) {
  TempDir dir;
  const auto repo = sl::test::write_hub_test_repo(dir / "adapter");
  FakeHub hub({"--token", "hf_good"});
  const auto first = upload(hub, repo.folder, "me/student");
  EXPECT_TRUE(first.committed);
  EXPECT_EQ(first.changed, 7u);
  EXPECT_EQ(first.lfs_uploaded, 1u);  // model.safetensors; the rest inline in the commit
  auto stats = hub.stats();
  EXPECT_EQ(stats["commits"]["me/student"], 1);
  EXPECT_EQ(stats["private"]["me/student"], true);
  EXPECT_EQ(stats["lfs_puts"], 1);
  EXPECT_EQ(stats["requests"]["verify"], 1);
  EXPECT_EQ(stats["auth_seen_on_cdn"], 0);

  // The rerun of a crashed job: same files, no commit, no bytes sent.
  const auto again = upload(hub, repo.folder, "me/student");
  EXPECT_FALSE(again.committed);
  EXPECT_EQ(again.commit, first.commit);
  EXPECT_EQ(again.unchanged, 7u);
  stats = hub.stats();
  EXPECT_EQ(stats["commits"]["me/student"], 1);
  EXPECT_EQ(stats["lfs_puts"], 1);
  EXPECT_EQ(stats["requests"].value("commit", 0), 1);

  // One file changes: a commit of that file only.
  sl::test::write_file(repo.folder / "config.json", R"({"changed": true})");
  const auto third = upload(hub, repo.folder, "me/student");
  EXPECT_TRUE(third.committed);
  EXPECT_EQ(third.changed, 1u);
  EXPECT_EQ(third.lfs_uploaded, 0u);
  EXPECT_EQ(hub.stats()["commits"]["me/student"], 2);

  // What was uploaded downloads back byte for byte (with the token: the repo is private).
  DownloadRequest d;
  d.repo = "me/student";
  d.all_files = true;
  d.show_progress = false;
  const auto got = snapshot_download(d, sl::test::fake_hub_settings(hub.url(), dir / "cache", "hf_good"));
  EXPECT_EQ(got.commit, third.commit);
  for (const char* name : {"config.json", "model.safetensors", "docs/notes.txt", "README.md"})
    EXPECT_EQ(sl::test::read_file(got.snapshot / name), sl::test::read_file(repo.folder / name)) << name;
}

TEST(HubUpload, LfsObjectTheServerHasIsNotSentAgain) {
  TempDir dir;
  const auto repo = sl::test::write_hub_test_repo(dir / "a");
  FakeHub hub({"--token", "hf_good"});
  upload(hub, repo.folder, "me/one");
  const auto second = upload(hub, repo.folder, "me/two", false);  // same weights, another repo
  EXPECT_TRUE(second.committed);
  EXPECT_EQ(second.lfs_uploaded, 0u);
  const auto stats = hub.stats();
  EXPECT_EQ(stats["lfs_puts"], 1);
  EXPECT_EQ(stats["private"]["me/two"], false);
}

TEST(HubUpload, NeedsATokenAndReportsRefusals) {
  TempDir dir;
  const auto repo = sl::test::write_hub_test_repo(dir / "a");
  FakeHub hub({"--token", "hf_good", "--fault", "500:commit"});
  EXPECT_THROW(upload(hub, repo.folder, "me/x", true, std::nullopt), UsageError);
  try {
    upload(hub, repo.folder, "me/x", true, "hf_bad");
    ADD_FAILURE() << "no error";
  } catch (const HttpError& e) {
    EXPECT_EQ(e.status(), 401);
    EXPECT_NE(std::string(e.what()).find("/api/repos/create"), std::string::npos) << e.what();
  }
  try {
    upload(hub, repo.folder, "me/x");
    ADD_FAILURE() << "no error";
  } catch (const HttpError& e) {
    EXPECT_EQ(e.status(), 500);
    EXPECT_NE(std::string(e.what()).find("/api/models/me/x/commit/main"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("after 4 attempts"), std::string::npos) << e.what();
  }
  EXPECT_EQ(hub.stats()["commits"]["me/x"], 0);
}

}  // namespace
}  // namespace sl::hub
