// The mock OpenAI server as a real child process on a free loopback port, for integration tests.
//
//   sl::test::MockServer server({"--fail-rate", "0.2"});
//   run_tool({..., }, {{"OPENAI_BASE_URL", server.base_url()}});
//   EXPECT_EQ(server.stats()["duplicate_completions"], 0);
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "process.hpp"
#include "sl/core/json.hpp"

namespace sl::test {

class MockServer {
 public:
  // `args` are extra flags of mock_openai_server (--seed, --latency-ms, --fail-rate, ...).
  explicit MockServer(std::vector<std::string> args = {});
  ~MockServer();  // SIGTERM, then SIGKILL if it does not stop within seconds
  MockServer(const MockServer&) = delete;
  MockServer& operator=(const MockServer&) = delete;

  // "http://127.0.0.1:PORT/v1": the value for OPENAI_BASE_URL.
  const std::string& base_url() const { return base_url_; }
  int port() const { return port_; }
  // The environment that points an executable at this server (OPENAI_BASE_URL, OPENAI_API_KEY),
  // for sl::test::run and Process.
  std::map<std::string, std::string> env(const std::string& api_key = "sk-test-key") const {
    return {{"OPENAI_BASE_URL", base_url_}, {"OPENAI_API_KEY", api_key}};
  }

  // GET /mock/stats (see docs/openai-backend.md for the fields).
  Json stats() const;
  // Successful completions of POST /v1/chat/completions (a shortcut into stats()).
  std::int64_t completions_served() const;
  // The files and fine-tuning part of stats() (files_uploaded, jobs_created, jobs_by_status, ...).
  Json fine_tuning_stats() const { return stats()["fine_tuning"]; }
  void reset_stats() const;

  // What the server printed on stderr so far (for failure messages).
  std::string log() const { return process_->stderr_so_far(); }

 private:
  std::unique_ptr<Process> process_;
  std::string base_url_;
  int port_ = 0;
};

// A plain HTTP request with libcurl (no retries): returns {status, body}; status 0 when no
// response arrived. For tests that talk to servers directly.
struct PlainHttpResult {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names in lower case
  int curl_code = 0;                           // CURLcode; 18 = body cut short
};
PlainHttpResult http_request(const std::string& method, const std::string& url, const std::string& body = "",
                             const std::vector<std::string>& headers = {});

}  // namespace sl::test
