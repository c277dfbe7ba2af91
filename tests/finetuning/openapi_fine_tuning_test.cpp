// The mock's files and fine-tuning endpoints, and the C++ client's create-job request, against
// ../shared/openai/openapi.yaml: the official `openai` Node SDK drives the mock and Ajv
// validates every response (node/check_fine_tuning_openapi.cjs; harness in
// tests/support/openapi_node_check.hpp). The npm packages are installed into
// build/node-openapi-check-finetuning/ on first use. Without node, npm, the registry or the spec
// the test SKIPS with a visible message; MockFineTuning.ResponsesHaveEveryFieldTheSpecRequires
// checks required fields without them.
#include <gtest/gtest.h>

#include "mock_server.hpp"
#include "openapi_node_check.hpp"
#include "sl/openai/fine_tuning_types.hpp"

using sl::Json;

namespace {

// Create-job bodies exactly as the C++ client serialises them.
Json client_requests() {
  using namespace sl::openai;
  CreateFineTuningJobRequest paper{"gpt-4.1-nano-2025-04-14", "file-abc123", 1, {10, std::nullopt, std::nullopt}};
  CreateFineTuningJobRequest numbers{"gpt-4.1-nano-2025-04-14", "file-abc123", std::nullopt, {3, 0.5, 16}};
  return Json::array({to_json(paper), to_json(numbers)});
}

}  // namespace

TEST(OpenApiFineTuning, MockAndClientMatchTheSpec) {
  sl::test::OpenApiNodeChecker checker("node-openapi-check-finetuning");
  if (!checker.skip_reason().empty()) GTEST_SKIP() << checker.skip_reason();
  sl::test::MockServer server({"--ft-step-ms", "20", "--ft-file-ms", "20"});
  checker.expect_passes("tests/finetuning/node/check_fine_tuning_openapi.cjs", server.base_url(), client_requests());
}
