// The mock's files and fine-tuning endpoints, and the C++ client's create-job request, against
// ../shared/openai/openapi.yaml: the official `openai` Node SDK drives the mock and Ajv
// validates every response (node/check_fine_tuning_openapi.cjs). The npm packages of
// tests/openai/node/package.json are installed into the build tree on first use (a folder of
// our own, so that this test and OpenApiConformance never install into one folder at once).
// Without node, npm, the registry or the spec the test SKIPS with a visible message;
// MockFineTuning.ResponsesHaveEveryFieldTheSpecRequires checks required fields without them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "mock_server.hpp"
#include "process.hpp"
#include "sl/openai/fine_tuning_types.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using sl::Json;

namespace {

std::optional<fs::path> find_program(const std::string& name) {
  const char* path = std::getenv("PATH");
  if (!path) return std::nullopt;
  std::string p = path;
  std::size_t start = 0;
  while (start <= p.size()) {
    std::size_t end = p.find(':', start);
    if (end == std::string::npos) end = p.size();
    fs::path candidate = fs::path(p.substr(start, end - start)) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return std::nullopt;
}

// Create-job bodies exactly as the C++ client serialises them.
Json client_requests() {
  using namespace sl::openai;
  CreateFineTuningJobRequest paper{"gpt-4.1-nano-2025-04-14", "file-abc123", 1, {10, std::nullopt, std::nullopt}};
  CreateFineTuningJobRequest numbers{"gpt-4.1-nano-2025-04-14", "file-abc123", std::nullopt, {3, 0.5, 16}};
  return Json::array({to_json(paper), to_json(numbers)});
}

}  // namespace

TEST(OpenApiFineTuning, MockAndClientMatchTheSpec) {
  if (std::getenv("SL_SKIP_NPM")) GTEST_SKIP() << "SKIPPED: SL_SKIP_NPM is set";
  SL_REQUIRE_REFERENCE(ref);
  const fs::path spec = ref.parent_path() / "openai" / "openapi.yaml";
  if (!fs::exists(spec)) GTEST_SKIP() << "SKIPPED: " << spec << " not found";
  auto node = find_program("node");
  auto npm = find_program("npm");
  if (!node || !npm) GTEST_SKIP() << "SKIPPED: node/npm not installed (apt-get install nodejs npm)";

  const fs::path work = sl::test::bin_dir().parent_path() / "node-openapi-check-finetuning";
  fs::create_directories(work);
  fs::copy_file(sl::test::source_root() / "tests/openai/node/package.json", work / "package.json",
                fs::copy_options::overwrite_existing);
  if (!fs::exists(work / "node_modules" / "openai" / "package.json") || !fs::exists(work / "node_modules" / "ajv") ||
      !fs::exists(work / "node_modules" / "js-yaml")) {
    auto install = sl::test::run({npm->string(), "install", "--no-audit", "--no-fund", "--loglevel=error",
                                  "--fetch-timeout=30000", "--fetch-retries=1"},
                                 {}, std::chrono::minutes(3), work);
    if (install.exit_code != 0)
      GTEST_SKIP() << "SKIPPED: npm install failed (no registry?): " << install.err.substr(0, 500);
  }

  sl::test::TempDir dir;
  sl::test::write_file(dir / "requests.json", client_requests().dump());
  sl::test::MockServer server({"--ft-step-ms", "20", "--ft-file-ms", "20"});
  auto r = sl::test::run({node->string(), (sl::test::source_root() / "tests/finetuning/node/check_fine_tuning_openapi.cjs").string(),
                          spec.string(), server.base_url(), (dir / "requests.json").string()},
                         {{"NODE_PATH", (work / "node_modules").string()}}, std::chrono::minutes(2));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find(" ok, 0 failed"), std::string::npos) << r.out << r.err;
  std::cout << r.out;
}
