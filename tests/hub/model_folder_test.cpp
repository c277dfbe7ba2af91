// sl::llm::model_folder, which every executable uses for an "open_source" model id: a cached
// model is found without the network, a hub id that is not cached is downloaded on first use,
// HF_HUB_OFFLINE=1 forbids that, and a failure lists every place tried.
#include "sl/llm/model_folder.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "fake_hub.hpp"
#include "hub_test_repo.hpp"
#include "sl/core/env.hpp"
#include "sl/core/error.hpp"
#include "test_support.hpp"

namespace sl::llm {
namespace {

namespace fs = std::filesystem;
using sl::test::FakeHub;
using sl::test::TempDir;

// Sets variables for one test and restores them after.
class ScopedEnv {
 public:
  explicit ScopedEnv(std::map<std::string, std::string> vars) {
    for (const auto& [k, v] : vars) {
      const char* old = std::getenv(k.c_str());
      saved_[k] = old ? std::optional<std::string>(old) : std::nullopt;
      if (v.empty()) ::unsetenv(k.c_str());
      else ::setenv(k.c_str(), v.c_str(), 1);
    }
  }
  ~ScopedEnv() {
    for (const auto& [k, v] : saved_) {
      if (v) ::setenv(k.c_str(), v->c_str(), 1);
      else ::unsetenv(k.c_str());
    }
  }

 private:
  std::map<std::string, std::optional<std::string>> saved_;
};

TEST(ModelFolder, DownloadsAHubIdOnFirstUseThenFindsItInTheCache) {
  TempDir dir;
  const auto repo = sl::test::write_hub_test_repo(dir / "repo");
  FakeHub hub({"--repo", "org/tiny=" + repo.folder.string()});
  ScopedEnv env({{"HF_ENDPOINT", hub.url()},
                 {"HF_HUB_CACHE", (dir / "cache").string()},
                 {"HUGGINGFACE_HUB_CACHE", ""},
                 {"HF_HUB_OFFLINE", ""},
                 {"HF_TOKEN", ""}});
  const fs::path folder = model_folder("org/tiny");
  EXPECT_EQ(folder.parent_path().parent_path(), dir / "cache" / "models--org--tiny");
  EXPECT_EQ(sl::test::read_file(folder / "model.safetensors"), repo.weights);
  const auto info_requests = hub.stats()["requests"]["info"];
  EXPECT_EQ(model_folder("org/tiny"), folder);  // the locator's cache search: no request
  EXPECT_EQ(hub.stats()["requests"]["info"], info_requests);
}

TEST(ModelFolder, AnUnfinishedDownloadIsCompletedNotUsed) {
  TempDir dir;
  const auto repo = sl::test::write_hub_test_repo(dir / "repo");
  FakeHub hub({"--repo", "org/tiny=" + repo.folder.string(), "--fault", "404:resolve/tokenizer.json:1"});
  ScopedEnv env({{"HF_ENDPOINT", hub.url()},
                 {"HF_HUB_CACHE", (dir / "cache").string()},
                 {"HUGGINGFACE_HUB_CACHE", ""},
                 {"HF_HUB_OFFLINE", ""},
                 {"HF_TOKEN", ""}});
  EXPECT_THROW(model_folder("org/tiny"), UsageError);  // the 404 stops it after the other files
  const fs::path folder = model_folder("org/tiny");    // the lone snapshot has no refs/main yet
  EXPECT_TRUE(fs::exists(folder / "tokenizer.json"));
  EXPECT_TRUE(fs::exists(dir / "cache" / "models--org--tiny" / "refs" / "main"));
}

TEST(ModelFolder, OfflineAndFailuresListWhatWasTried) {
  TempDir dir;
  FakeHub hub;
  ScopedEnv env({{"HF_ENDPOINT", hub.url()},
                 {"HF_HUB_CACHE", (dir / "cache").string()},
                 {"HUGGINGFACE_HUB_CACHE", ""},
                 {"HF_HUB_OFFLINE", "1"},
                 {"HF_TOKEN", ""}});
  try {
    model_folder("org/absent");
    ADD_FAILURE() << "no error";
  } catch (const UsageError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find((dir / "cache" / "models--org--absent").string() + " (missing)"), std::string::npos) << m;
    EXPECT_NE(m.find("not downloaded: HF_HUB_OFFLINE=1"), std::string::npos) << m;
  }
  ::setenv("HF_HUB_OFFLINE", "0", 1);
  try {
    model_folder("org/absent");
    ADD_FAILURE() << "no error";
  } catch (const UsageError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("(missing)"), std::string::npos) << m;
    EXPECT_NE(m.find("download: 404 from GET " + hub.url()), std::string::npos) << m;
  }
  // A relative path that does not exist is not sent to the Hub.
  EXPECT_THROW(model_folder("no_such_folder"), UsageError);
  EXPECT_EQ(hub.stats()["requests"]["info"], 1);
}

}  // namespace
}  // namespace sl::llm
