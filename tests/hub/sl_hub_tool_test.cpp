// The sl_hub executable: download, ls, upload from the command line, settings from the
// environment, one-line errors and exit codes.
#include <gtest/gtest.h>

#include "fake_hub.hpp"
#include "hub_test_repo.hpp"
#include "process.hpp"
#include "test_support.hpp"

namespace {

namespace fs = std::filesystem;
using sl::test::FakeHub;
using sl::test::TempDir;

TEST(SlHubTool, DownloadListUpload) {
  TempDir dir;
  const auto repo = sl::test::write_hub_test_repo(dir / "repo");
  FakeHub hub({"--repo", "org/tiny=" + repo.folder.string(), "--token", "hf_good", "--tree-page-size", "2"});
  const std::map<std::string, std::string> env{{"HF_ENDPOINT", hub.url()},
                                               {"HF_HUB_CACHE", (dir / "cache").string()},
                                               {"HF_HOME", ""},
                                               {"HF_TOKEN", "hf_good"},
                                               {"HF_HUB_OFFLINE", ""}};
  auto r =
      sl::test::run({sl::test::program("sl_hub"), "download", "org/tiny", "--include", "*.json", "--no-progress"}, env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const fs::path snapshot = sl::test::lines_of(r.out).at(0);
  EXPECT_EQ(snapshot.parent_path().parent_path(), dir / "cache" / "models--org--tiny");
  EXPECT_TRUE(fs::exists(snapshot / "tokenizer_config.json"));
  EXPECT_FALSE(fs::exists(snapshot / "model.safetensors"));  // not included

  r = sl::test::run({sl::test::program("sl_hub"), "ls", "org/tiny"}, env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("300000  "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("docs/notes.txt"), std::string::npos) << r.out;
  EXPECT_EQ(sl::test::lines_of(r.out).size(), 7u) << r.out;  // four pages of two
  EXPECT_EQ(hub.stats()["requests"]["tree"], 4);

  r = sl::test::run({sl::test::program("sl_hub"), "upload", repo.folder.string(), "me/copy", "--public"}, env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(" committed"), std::string::npos) << r.out;
  r = sl::test::run({sl::test::program("sl_hub"), "upload", repo.folder.string(), "me/copy"}, env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(" unchanged"), std::string::npos) << r.out;
  EXPECT_EQ(hub.stats()["commits"]["me/copy"], 1);
  EXPECT_EQ(hub.stats()["private"]["me/copy"], false);
}

TEST(SlHubTool, ErrorsAreOneLineWithExitCodes) {
  TempDir dir;
  FakeHub hub;
  const std::map<std::string, std::string> env{
      {"HF_ENDPOINT", hub.url()}, {"HF_HUB_CACHE", (dir / "cache").string()}, {"HF_TOKEN", ""}, {"HF_HUB_OFFLINE", ""}};
  auto r = sl::test::run({sl::test::program("sl_hub"), "download", "org/absent"}, env);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(sl::test::lines_of(r.err).size(), 1u) << r.err;
  EXPECT_NE(r.err.find("404 from GET " + hub.url() + "/api/models/org/absent/revision/main"), std::string::npos)
      << r.err;
  r = sl::test::run({sl::test::program("sl_hub"), "download", "../etc"}, env);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  r = sl::test::run({sl::test::program("sl_hub"), "upload", dir.path().string(), "me/x"}, env);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("HF_TOKEN"), std::string::npos) << r.err;
  auto offline = env;
  offline["HF_HUB_OFFLINE"] = "1";
  r = sl::test::run({sl::test::program("sl_hub"), "download", "org/tiny"}, offline);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("HF_HUB_OFFLINE=1"), std::string::npos) << r.err;
}

}  // namespace
