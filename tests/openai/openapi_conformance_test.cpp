// The mock's responses and the client's requests against ../shared/openai/openapi.yaml, using
// the official `openai` Node SDK as a client and Ajv as the JSON Schema validator
// (node/check_openapi.cjs). The npm packages are installed into the build tree on first use;
// without node, npm, the registry or the spec the test SKIPS with a visible message.
// mock_server_test.cpp checks the required fields by name without any of this.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "mock_server.hpp"
#include "process.hpp"
#include "sl/openai/chat_types.hpp"
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

// Request bodies exactly as the C++ client serialises them.
Json client_requests() {
  using namespace sl::openai;
  ChatCompletionRequest minimal;
  minimal.model = "gpt-4.1-nano-2025-04-14";
  minimal.messages = {{"user", "Name your favorite animal using only one word."}};
  minimal.temperature = 1.0;
  ChatCompletionRequest full = minimal;
  full.messages.insert(full.messages.begin(), {"system", "You love owls."});
  full.top_p = 0.95;
  full.max_completion_tokens = 50;
  full.seed = 1234567;
  full.logprobs = true;
  full.top_logprobs = 20;
  return Json::array({to_json(minimal), to_json(full), to_json(full, "max_tokens")});
}

}  // namespace

TEST(OpenApiConformance, MockAndClientMatchTheSpec) {
  if (std::getenv("SL_SKIP_NPM")) GTEST_SKIP() << "SKIPPED: SL_SKIP_NPM is set";
  SL_REQUIRE_REFERENCE(ref);
  const fs::path spec = ref.parent_path() / "openai" / "openapi.yaml";
  if (!fs::exists(spec)) GTEST_SKIP() << "SKIPPED: " << spec << " not found";
  auto node = find_program("node");
  auto npm = find_program("npm");
  if (!node || !npm) GTEST_SKIP() << "SKIPPED: node/npm not installed (apt-get install nodejs npm)";

  const fs::path script_dir = sl::test::source_root() / "tests" / "openai" / "node";
  const fs::path work = sl::test::bin_dir().parent_path() / "node-openapi-check";
  fs::create_directories(work);
  fs::copy_file(script_dir / "package.json", work / "package.json", fs::copy_options::overwrite_existing);
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
  sl::test::MockServer server;
  auto r = sl::test::run({node->string(), (script_dir / "check_openapi.cjs").string(), spec.string(), server.base_url(),
                          (dir / "requests.json").string()},
                         {{"NODE_PATH", (work / "node_modules").string()}}, std::chrono::minutes(2));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find(" ok, 0 failed"), std::string::npos) << r.out << r.err;
  std::cout << r.out;
}
