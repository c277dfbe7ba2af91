// Downloads by the real client from fake_hub_server over loopback: the cache layout
// huggingface_hub documents, the CDN redirect, and every fault the Hub can throw at us.
#include "sl/hub/download.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "fake_hub.hpp"
#include "hub_test_repo.hpp"
#include "sl/core/error.hpp"
#include "sl/hub/digest.hpp"
#include "sl/hub/repo_paths.hpp"
#include "test_support.hpp"

namespace sl::hub {
namespace {

namespace fs = std::filesystem;
using sl::test::FakeHub;
using sl::test::TempDir;

struct Fixture {
  TempDir dir;
  sl::test::HubTestRepo repo = sl::test::write_hub_test_repo(dir / "repo");
  fs::path cache = dir / "cache";
};

std::vector<std::string> repo_args(const Fixture& f, std::vector<std::string> more = {}) {
  std::vector<std::string> args{"--repo", "org/tiny=" + f.repo.folder.string(), "--token", "hf_good"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

DownloadResult download(const FakeHub& hub, const Fixture& f, std::optional<std::string> token = std::nullopt,
                        bool all = false) {
  DownloadRequest r;
  r.repo = "org/tiny";
  r.all_files = all;
  r.show_progress = false;
  return snapshot_download(r, sl::test::fake_hub_settings(hub.url(), f.cache, std::move(token)));
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

// Everything under the repo's cache folder, as "path" or "path -> link target", sorted.
std::vector<std::string> listing(const fs::path& root) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    std::string line = e.path().lexically_relative(root).generic_string();
    if (e.is_symlink()) line += " -> " + fs::read_symlink(e.path()).generic_string();
    out.push_back(line);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The layout of huggingface_hub's cache (its "Understand caching" guide): blobs named by ETag
// (sha256 for LFS files, the git blob sha1 otherwise), snapshots/<commit>/<file> as relative
// symlinks into blobs, refs/main holding the commit; only the files a model needs.
TEST(HubDownload, CacheLayoutIsHuggingFaceHubs) {
  Fixture f;
  FakeHub hub(repo_args(f));
  const auto result = download(hub, f);
  const std::string c = result.commit;
  ASSERT_TRUE(is_commit_hash(c)) << c;
  const fs::path root = f.cache / "models--org--tiny";
  EXPECT_EQ(result.snapshot, root / "snapshots" / c);
  const std::string weights_sha256 = sha256_hex(f.repo.weights);
  auto git = [&](const char* name) { return git_blob_sha1_hex(sl::test::read_file(f.repo.folder / name)); };
  std::vector<std::string> expected{
      "blobs",
      "blobs/" + git("config.json"),
      "blobs/" + git("generation_config.json"),
      "blobs/" + git("tokenizer.json"),
      "blobs/" + git("tokenizer_config.json"),
      "blobs/" + weights_sha256,
      "refs",
      "refs/main",
      "snapshots",
      "snapshots/" + c,
      "snapshots/" + c + "/config.json -> ../../blobs/" + git("config.json"),
      "snapshots/" + c + "/generation_config.json -> ../../blobs/" + git("generation_config.json"),
      "snapshots/" + c + "/model.safetensors -> ../../blobs/" + weights_sha256,
      "snapshots/" + c + "/tokenizer.json -> ../../blobs/" + git("tokenizer.json"),
      "snapshots/" + c + "/tokenizer_config.json -> ../../blobs/" + git("tokenizer_config.json"),
  };
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(listing(root), expected);
  EXPECT_EQ(sl::test::read_file(root / "refs" / "main"), c);
  EXPECT_EQ(sl::test::read_file(result.snapshot / "model.safetensors"), f.repo.weights);
  EXPECT_EQ(result.downloaded, 5u);
  EXPECT_EQ(result.bytes, f.repo.weights.size() + fs::file_size(f.repo.folder / "config.json") +
                              fs::file_size(f.repo.folder / "generation_config.json") +
                              fs::file_size(f.repo.folder / "tokenizer.json") +
                              fs::file_size(f.repo.folder / "tokenizer_config.json"));

  // A second run finds everything in place and fetches nothing but the file list.
  const auto stats_before = hub.stats();
  const auto again = download(hub, f);
  EXPECT_EQ(again.downloaded, 0u);
  EXPECT_EQ(hub.stats()["requests"]["resolve"], stats_before["requests"]["resolve"]);

  // --all adds the nested file, one folder deeper: one more "../" in its link.
  download(hub, f, std::nullopt, true);
  EXPECT_EQ(fs::read_symlink(result.snapshot / "docs" / "notes.txt"),
            fs::path("../../../blobs") / git("docs/notes.txt"));
}

TEST(HubDownload, LargeFilesComeFromTheSecondHostWithoutTheToken) {
  Fixture f;
  FakeHub hub(repo_args(f));
  download(hub, f, "hf_good");
  const auto stats = hub.stats();
  EXPECT_EQ(stats["requests"]["cdn"], 1);  // model.safetensors, redirected
  EXPECT_EQ(stats["auth_seen_on_cdn"], 0);
}

TEST(HubDownload, GatedOrPrivateRepoNeedsTheToken) {
  Fixture f;
  FakeHub hub({"--private-repo", "org/tiny=" + f.repo.folder.string(), "--token", "hf_good"});
  const std::string e = error_of([&] { download(hub, f); });
  EXPECT_NE(e.find("401 from GET " + hub.url() + "/api/models/org/tiny/revision/main"), std::string::npos) << e;
  EXPECT_NE(e.find("set HF_TOKEN"), std::string::npos) << e;
  EXPECT_NE(error_of([&] { download(hub, f, "hf_wrong"); }).find("HF_TOKEN was sent and refused"), std::string::npos);
  EXPECT_TRUE(fs::exists(download(hub, f, "hf_good").snapshot / "config.json"));
}

TEST(HubDownload, GatedFaultsGiveOneLineWithStatusMessageAndUrl) {
  Fixture f;
  FakeHub hub(repo_args(f, {"--fault", "403:info:1", "--fault", "401:resolve/config.json:1"}));
  std::string e = error_of([&] { download(hub, f, "hf_good"); });
  EXPECT_NE(e.find("403 from GET " + hub.url()), std::string::npos) << e;
  EXPECT_NE(e.find("you are not in the authorized list"), std::string::npos) << e;
  EXPECT_NE(e.find("accept its conditions"), std::string::npos) << e;
  EXPECT_EQ(e.find('\n'), std::string::npos) << e;
  e = error_of([&] { download(hub, f); });
  EXPECT_NE(e.find("401 from HEAD " + hub.url() + "/org/tiny/resolve/"), std::string::npos) << e;
  EXPECT_NE(e.find("config.json"), std::string::npos) << e;
  // Nothing half-done is linked: the failed file is absent, a rerun completes the snapshot.
  const auto result = download(hub, f);
  EXPECT_TRUE(fs::exists(result.snapshot / "config.json"));
}

TEST(HubDownload, MissingRepoIs404WithTheHint) {
  Fixture f;
  FakeHub hub(repo_args(f, {"--fault", "404:resolve/tokenizer.json"}));
  DownloadRequest r;
  r.repo = "org/absent";
  r.show_progress = false;
  std::string e = error_of([&] { snapshot_download(r, sl::test::fake_hub_settings(hub.url(), f.cache)); });
  EXPECT_NE(e.find("404 from GET " + hub.url() + "/api/models/org/absent/revision/main"), std::string::npos) << e;
  EXPECT_NE(e.find("Repository Not Found"), std::string::npos) << e;
  EXPECT_NE(e.find("no such repo"), std::string::npos) << e;
  e = error_of([&] { download(hub, f); });
  EXPECT_NE(e.find("404 from HEAD"), std::string::npos) << e;
  EXPECT_FALSE(fs::exists(f.cache / "models--org--tiny" / "refs" / "main"));  // an incomplete snapshot gets no ref
}

TEST(HubDownload, RateLimitWaitsForRetryAfter) {
  Fixture f;
  FakeHub hub(repo_args(f, {"--fault", "429:info:1"}));
  const auto start = std::chrono::steady_clock::now();
  download(hub, f);
  const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_GE(waited, 1.0);  // Retry-After: 1 (the backoff alone would be 0.05 s)
  EXPECT_EQ(hub.stats()["requests"]["info"], 2);
}

TEST(HubDownload, ServerErrorsAreRetriedThenReported) {
  Fixture f;
  {
    FakeHub hub(repo_args(f, {"--fault", "503:resolve:2", "--fault", "500:cdn:1"}));
    const auto result = download(hub, f);
    EXPECT_EQ(sl::test::read_file(result.snapshot / "model.safetensors"), f.repo.weights);
  }
  FakeHub hub(repo_args(f, {"--fault", "502:info"}));
  const std::string e = error_of([&] { download(hub, f); });
  EXPECT_NE(e.find("502 from GET"), std::string::npos) << e;
  EXPECT_NE(e.find("after 4 attempts"), std::string::npos) << e;
  EXPECT_EQ(hub.stats()["requests"]["info"], 4);
}

TEST(HubDownload, CutConnectionResumesWithRange) {
  Fixture f;
  FakeHub hub(repo_args(f, {"--fault", "cut:cdn/model.safetensors:1"}));
  const auto result = download(hub, f);
  EXPECT_EQ(sl::test::read_file(result.snapshot / "model.safetensors"), f.repo.weights);
  const auto stats = hub.stats();
  EXPECT_EQ(stats["requests"]["cdn"], 2);
  EXPECT_EQ(stats["range_requests"], 1);
}

TEST(HubDownload, PartialFileFromAnEarlierRunIsResumed) {
  Fixture f;
  FakeHub hub(repo_args(f));
  const fs::path blobs = f.cache / "models--org--tiny" / "blobs";
  const std::string sha = sha256_hex(f.repo.weights);
  sl::test::write_file(blobs / (sha + ".incomplete"), f.repo.weights.substr(0, 1000));
  const auto result = download(hub, f);
  EXPECT_EQ(sl::test::read_file(result.snapshot / "model.safetensors"), f.repo.weights);
  EXPECT_EQ(hub.stats()["range_requests"], 1);
  EXPECT_FALSE(fs::exists(blobs / (sha + ".incomplete")));
}

TEST(HubDownload, WrongChecksumIsDiscardedAndNothingIsLinked) {
  Fixture f;
  FakeHub hub(repo_args(f, {"--fault", "badsum:cdn/model.safetensors", "--fault", "badsum:resolve/config.json"}));
  const std::string e = error_of([&] { download(hub, f); });
  EXPECT_NE(e.find("checksum mismatch"), std::string::npos) << e;
  EXPECT_NE(e.find("1 more failed"), std::string::npos) << e;  // both files, each checked
  const fs::path root = f.cache / "models--org--tiny";
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    const std::string name = entry.path().filename().string();
    EXPECT_NE(name, sha256_hex(f.repo.weights)) << "a corrupt blob was kept";
    EXPECT_EQ(name.find(".incomplete"), std::string::npos) << "a corrupt partial file was kept";
    EXPECT_NE(name, "model.safetensors");
    EXPECT_NE(name, "config.json");
  }
  EXPECT_FALSE(fs::exists(root / "refs" / "main"));
}

TEST(HubDownload, FileNameThatEscapesTheCacheIsRefused) {
  Fixture f;
  FakeHub hub(repo_args(f, {"--fault", "evilname:info"}));
  const std::string e = error_of([&] { download(hub, f, std::nullopt, true); });
  EXPECT_NE(e.find("\"../../escaped.json\" has a \"..\" segment"), std::string::npos) << e;
  EXPECT_EQ(hub.stats()["requests"].value("resolve", 0), 0);  // refused before any file was fetched
  for (const auto& p :
       {f.dir / "escaped.json", f.cache / "escaped.json", f.cache / "models--org--tiny" / "escaped.json"})
    EXPECT_FALSE(fs::exists(p)) << p;
}

TEST(HubDownload, OfflineUsesTheCacheOnly) {
  Fixture f;
  FakeHub hub(repo_args(f));
  auto settings = sl::test::fake_hub_settings(hub.url(), f.cache);
  settings.offline = true;
  DownloadRequest r;
  r.repo = "org/tiny";
  r.show_progress = false;
  const std::string e = error_of([&] { snapshot_download(r, settings); });
  EXPECT_NE(e.find("not in cache (" + (f.cache / "models--org--tiny" / "refs" / "main").string() + " missing)"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("HF_HUB_OFFLINE=1"), std::string::npos) << e;
  EXPECT_EQ(hub.stats()["requests"].size(), 0u);
  const auto online = download(hub, f);
  EXPECT_EQ(snapshot_download(r, settings).snapshot, online.snapshot);
}

}  // namespace
}  // namespace sl::hub
