// The mock's responses and the client's requests against ../shared/openai/openapi.yaml, using
// the official `openai` Node SDK as a client and Ajv as the JSON Schema validator
// (node/check_openapi.cjs; harness in tests/support/openapi_node_check.hpp). The npm packages
// are installed into build/node-openapi-check/ on first use; without node, npm, the registry or
// the spec the test SKIPS with a visible message.
// mock_server_test.cpp checks the required fields by name without any of this.
#include <gtest/gtest.h>

#include "mock_server.hpp"
#include "openapi_node_check.hpp"
#include "sl/openai/chat_types.hpp"

using sl::Json;

namespace {

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
  sl::test::OpenApiNodeChecker checker("node-openapi-check");
  if (!checker.skip_reason().empty()) GTEST_SKIP() << checker.skip_reason();
  sl::test::MockServer server;
  checker.expect_passes("tests/openai/node/check_openapi.cjs", server.base_url(), client_requests());
}
