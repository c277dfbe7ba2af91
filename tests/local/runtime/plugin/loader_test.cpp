// The plugin loader, in a test program that does not link libtorch (as HTTP-only executables):
// it finds the plugin, checks its interface version, and reports where it looked when it fails.
#include "sl/local/runtime/plugin/loader.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

#include "sl/core/error.hpp"
#include "test_support.hpp"

namespace sl::local {
namespace {

// Each case runs before any successful load in this process (gtest_discover_tests runs every
// test in its own process; a failed load is not cached).
std::string load_error() {
  try {
    runtime_plugin();
  } catch (const Error& e) {
    return e.what();
  }
  return "(loaded)";
}

TEST(RuntimeLoader, MissingPluginNamesWhereItLooked) {
  sl::test::TempDir dir;
  setenv("SL_LOCAL_RUNTIME", (dir / "libnothing.so").c_str(), 1);
  const std::string e = load_error();
  unsetenv("SL_LOCAL_RUNTIME");
  EXPECT_NE(e.find((dir / "libnothing.so").string() + " (missing)"), std::string::npos) << e;
  EXPECT_NE(e.find("SL_LOCAL_RUNTIME"), std::string::npos) << e;
}

TEST(RuntimeLoader, NotALibraryIsAClearError) {
  sl::test::TempDir dir;
  sl::test::write_file(dir / "fake.so", "not an ELF file");
  setenv("SL_LOCAL_RUNTIME", (dir / "fake.so").c_str(), 1);
  const std::string e = load_error();
  unsetenv("SL_LOCAL_RUNTIME");
  EXPECT_NE(e.find("cannot load the local runtime plugin " + (dir / "fake.so").string()), std::string::npos) << e;
}

TEST(RuntimeLoader, FindsThePluginNextToTheExecutable) {
  unsetenv("SL_LOCAL_RUNTIME");
  const RuntimePlugin& plugin = runtime_plugin();
  EXPECT_EQ(plugin.abi(), kRuntimePluginAbi);
  EXPECT_NE(plugin.describe().find("libtorch"), std::string::npos);
  EXPECT_EQ(runtime_plugin_path(), sl::test::bin_dir() / kRuntimePluginFileName);
}

}  // namespace
}  // namespace sl::local
