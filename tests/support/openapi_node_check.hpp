// The harness of the OpenAPI conformance tests: a Node checker (tests/*/node/check_*.cjs, built
// on tests/support/node/openapi_checks.cjs) drives the mock through the official `openai` SDK
// and validates responses and the C++ client's request bodies against
// ../shared/openai/openapi.yaml with Ajv.
//
//   sl::test::OpenApiNodeChecker checker("node-openapi-check");
//   if (!checker.skip_reason().empty()) GTEST_SKIP() << checker.skip_reason();
//   sl::test::MockServer server;
//   checker.expect_passes("tests/openai/node/check_openapi.cjs", server.base_url(), requests);
#pragma once

#include <filesystem>
#include <string>

#include "sl/core/json.hpp"

namespace sl::test {

class OpenApiNodeChecker {
 public:
  // Finds node, npm and the spec, and installs the npm packages of tests/support/node/package.json
  // into build/<work_folder> on first use (one folder per test program, so that two programs run
  // in parallel never install into one folder at once). Whatever is missing (SL_SKIP_NPM set, no
  // reference folder, no spec, no node/npm, no registry) becomes skip_reason().
  explicit OpenApiNodeChecker(const std::string& work_folder);

  // Empty when the checker can run; otherwise a "SKIPPED: ..." line for GTEST_SKIP.
  const std::string& skip_reason() const { return skip_reason_; }

  // Runs `script` (relative to the source root) against the server at `base_url` with the C++
  // client's `requests` (a JSON array of request bodies) and expects every check to pass;
  // prints the checker's lines.
  void expect_passes(const std::filesystem::path& script, const std::string& base_url, const Json& requests) const;

 private:
  std::string skip_reason_;
  std::filesystem::path node_, spec_, node_modules_;
};

}  // namespace sl::test
