// The mock OpenAI-compatible server: POST /v1/chat/completions with deterministic answers and
// fault injection, GET /v1/models, and GET /mock/stats / POST /mock/reset for tests.
//
//   MockServer server(options);
//   int port = server.bind();    // before run(): the port is known (port 0 = any free one)
//   std::thread t([&] { server.run(); });
//   ...
//   server.stop(); t.join();
#pragma once

#include <memory>
#include <string>

#include "sl/core/json.hpp"
#include "sl/openai/mock/mock_options.hpp"

namespace sl::openai::mock {

class MockServer {
 public:
  explicit MockServer(MockOptions options);
  ~MockServer();
  MockServer(const MockServer&) = delete;
  MockServer& operator=(const MockServer&) = delete;

  // Binds the listening socket; returns the port. Throws sl::Error when it cannot.
  int bind();
  // Serves until stop(); blocks. bind() first.
  void run();
  // Thread-safe; run() returns soon after.
  void stop();

  // "http://HOST:PORT/v1"
  std::string base_url() const;
  // What /mock/stats returns.
  Json stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// What the executable does: bind, print "listening on http://HOST:PORT/v1" on stdout (one
// flushed line, for the process that started it), serve until SIGINT/SIGTERM. Returns 0.
int serve_until_signal(const MockOptions& options);

}  // namespace sl::openai::mock
