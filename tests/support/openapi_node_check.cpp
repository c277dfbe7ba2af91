#include "openapi_node_check.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <iostream>

#include "process.hpp"
#include "test_support.hpp"

namespace sl::test {

namespace fs = std::filesystem;

OpenApiNodeChecker::OpenApiNodeChecker(const std::string& work_folder) {
  if (std::getenv("SL_SKIP_NPM")) {
    skip_reason_ = "SKIPPED: SL_SKIP_NPM is set";
    return;
  }
  const auto reference = reference_dir();
  if (!reference) {
    skip_reason_ = "SKIPPED: ../shared/reference not found (set SL_REFERENCE_DIR)";
    return;
  }
  spec_ = reference->parent_path() / "openai" / "openapi.yaml";
  if (!fs::exists(spec_)) {
    skip_reason_ = "SKIPPED: " + spec_.string() + " not found";
    return;
  }
  const auto node = find_on_path("node");
  const auto npm = find_on_path("npm");
  if (!node || !npm) {
    skip_reason_ = "SKIPPED: node/npm not installed (apt-get install nodejs npm)";
    return;
  }
  node_ = *node;

  const fs::path work = bin_dir().parent_path() / work_folder;
  node_modules_ = work / "node_modules";
  fs::create_directories(work);
  fs::copy_file(source_root() / "tests/support/node/package.json", work / "package.json",
                fs::copy_options::overwrite_existing);
  if (fs::exists(node_modules_ / "openai" / "package.json") && fs::exists(node_modules_ / "ajv") &&
      fs::exists(node_modules_ / "js-yaml"))
    return;
  auto install = run({npm->string(), "install", "--no-audit", "--no-fund", "--loglevel=error", "--fetch-timeout=30000",
                      "--fetch-retries=1"},
                     {}, std::chrono::minutes(3), work);
  if (install.exit_code != 0)
    skip_reason_ = "SKIPPED: npm install failed (no registry?): " + install.err.substr(0, 500);
}

void OpenApiNodeChecker::expect_passes(const fs::path& script, const std::string& base_url,
                                       const Json& requests) const {
  ASSERT_TRUE(skip_reason_.empty()) << skip_reason_;
  TempDir dir;
  write_file(dir / "requests.json", requests.dump());
  auto r = run(
      {node_.string(), (source_root() / script).string(), spec_.string(), base_url, (dir / "requests.json").string()},
      {{"NODE_PATH", node_modules_.string()}}, std::chrono::minutes(2));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find(" ok, 0 failed"), std::string::npos) << r.out << r.err;
  std::cout << r.out;
}

}  // namespace sl::test
