// Model ids resolve to folders or to the Hugging Face hub cache layout; failures list where
// the resolver looked.
#include "sl/local/runtime/io/model_locator.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

#include "sl/core/env.hpp"
#include "sl/core/error.hpp"
#include "test_support.hpp"

namespace sl::local {
namespace {

namespace fs = std::filesystem;

// Points every cache variable at `hub_home` for the test's duration.
class HubEnvironment {
 public:
  explicit HubEnvironment(const fs::path& hf_home) {
    for (const char* v : {"HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME", "HOME"}) {
      if (const char* old = std::getenv(v)) saved_.emplace_back(v, old);
      else saved_.emplace_back(v, std::nullopt);
      unsetenv(v);
    }
    setenv("HF_HOME", hf_home.c_str(), 1);
    setenv("HOME", (hf_home / "home").c_str(), 1);
    env::reset_for_tests();
  }
  ~HubEnvironment() {
    for (const auto& [k, v] : saved_) {
      if (v) setenv(k.c_str(), v->c_str(), 1);
      else unsetenv(k.c_str());
    }
    env::reset_for_tests();
  }

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

std::string error_of(const std::string& id) {
  try {
    resolve_model_dir(id);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ModelLocator, AFolderIsItself) {
  sl::test::TempDir dir;
  fs::create_directories(dir / "m");
  EXPECT_EQ(resolve_model_dir((dir / "m").string()), dir / "m");
}

TEST(ModelLocator, HubIdResolvesThroughRefsMain) {
  sl::test::TempDir home;
  HubEnvironment env(home.path());
  const fs::path repo = home / "hub" / "models--unsloth--Qwen2.5-7B-Instruct";
  fs::create_directories(repo / "snapshots" / "aaa111");
  fs::create_directories(repo / "snapshots" / "bbb222");
  sl::test::write_file(repo / "refs" / "main", "bbb222\n");
  EXPECT_EQ(resolve_model_dir("unsloth/Qwen2.5-7B-Instruct"), repo / "snapshots" / "bbb222");
}

TEST(ModelLocator, SingleSnapshotWithoutRefs) {
  sl::test::TempDir home;
  HubEnvironment env(home.path());
  const fs::path repo = home / "hub" / "models--org--tiny";
  fs::create_directories(repo / "snapshots" / "c0ffee");
  EXPECT_EQ(resolve_model_dir("org/tiny"), repo / "snapshots" / "c0ffee");
}

TEST(ModelLocator, HubHomeDefaultIsConsultedToo) {
  sl::test::TempDir home;
  HubEnvironment env(home.path());
  const fs::path repo = home / "home" / ".cache" / "huggingface" / "hub" / "models--org--m";
  fs::create_directories(repo / "snapshots" / "r1");
  EXPECT_EQ(resolve_model_dir("org/m"), repo / "snapshots" / "r1");
}

TEST(ModelLocator, FailuresListWhereItLooked) {
  sl::test::TempDir home;
  HubEnvironment env(home.path());
  const std::string missing = error_of("org/absent");
  EXPECT_NE(missing.find((home / "hub" / "models--org--absent").string()), std::string::npos) << missing;
  EXPECT_NE(missing.find("models--org--absent (missing)"), std::string::npos) << missing;

  const fs::path repo = home / "hub" / "models--org--two";
  fs::create_directories(repo / "snapshots" / "a");
  fs::create_directories(repo / "snapshots" / "b");
  EXPECT_NE(error_of("org/two").find("2 snapshots and no refs/main"), std::string::npos);

  sl::test::write_file(repo / "refs" / "main", "zzz");
  EXPECT_NE(error_of("org/two").find("names revision zzz"), std::string::npos);
  EXPECT_NE(error_of("").find("empty"), std::string::npos);
}

}  // namespace
}  // namespace sl::local
