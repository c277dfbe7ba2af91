#include "sl/openai/mock/mock_server.hpp"

#include <httplib.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <cstdio>
#include <thread>

#include "mock_context.hpp"
#include "openai_errors.hpp"
#include "routes.hpp"
#include "sl/core/error.hpp"

namespace sl::openai::mock {

namespace {

// cpp-httplib (Debian's build) listens with a backlog of 5: a client opening hundreds of
// connections at once would see SYNs dropped and 1-3 s retransmit stalls. The listening socket
// is protected, so a subclass re-issues listen() with a deep backlog after binding.
class Server : public httplib::Server {
 public:
  void deepen_backlog() {
    const auto fd = svr_sock_.load();
    if (fd != INVALID_SOCKET) ::listen(fd, 4096);
  }
};

// The adapters of --lora-modules join the known models under their names.
MockOptions with_lora_modules(MockOptions o) {
  for (const std::string& module : o.lora_modules) {
    const auto eq = module.find('=');
    if (eq == 0 || eq == std::string::npos || eq + 1 == module.size())
      throw UsageError("--lora-modules: expected NAME=PATH, got \"" + module + "\"");
    o.known_models.push_back(module.substr(0, eq));
  }
  return o;
}

}  // namespace

struct MockServer::Impl {
  explicit Impl(MockOptions options) : ctx(with_lora_modules(std::move(options))) {}
  MockContext ctx;
  Server server;
  int port = -1;
};

MockServer::MockServer(MockOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
  auto& server = impl_->server;
  auto& ctx = impl_->ctx;
  const int threads = std::max(1, ctx.options.threads);
  server.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
  server.set_tcp_nodelay(true);  // headers and body go out in separate writes
  // cpp-httplib's default also sets SO_REUSEPORT, which lets a second server bind the same
  // port and silently share the traffic; a taken --port must be an error instead.
  server.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  server.set_keep_alive_max_count(1000000);
  server.set_keep_alive_timeout(30);
  server.set_read_timeout(60);
  server.set_write_timeout(60);

  add_chat_completion_routes(server, ctx);
  add_model_routes(server, ctx);
  add_control_routes(server, ctx);
  add_file_routes(server, ctx);
  add_fine_tuning_routes(server, ctx);

  // Unknown URLs get the real API's 404 body; answers from routes keep theirs.
  server.set_error_handler(
      httplib::Server::HandlerWithResponse([&ctx](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty() || res.content_length_ > 0) return httplib::Server::HandlerResponse::Unhandled;
        const std::string endpoint = req.method + " " + req.path;
        reply_json(ctx, endpoint, res, res.status == -1 ? 404 : res.status, unknown_url_error(req.method, req.path));
        return httplib::Server::HandlerResponse::Handled;
      }));
  server.set_exception_handler([&ctx](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown error";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    spdlog::error("mock: {} {}: {}", req.method, req.path, what);
    reply_json(ctx, req.method + " " + req.path, res, 500, error_body("mock server error: " + what, "server_error"));
  });
}

MockServer::~MockServer() { stop(); }

int MockServer::bind() {
  auto& s = impl_->server;
  const auto& o = impl_->ctx.options;
  if (o.port == 0) {
    impl_->port = s.bind_to_any_port(o.host);
  } else {
    impl_->port = s.bind_to_port(o.host, o.port) ? o.port : -1;
  }
  if (impl_->port <= 0)
    throw Error("mock server: cannot listen on " + o.host + ":" + std::to_string(o.port) +
                " (in use, or not a local address?)");
  s.deepen_backlog();
  return impl_->port;
}

void MockServer::run() { impl_->server.listen_after_bind(); }

void MockServer::stop() {
  impl_->ctx.wake_sleepers();
  impl_->server.stop();
}

std::string MockServer::base_url() const {
  return "http://" + impl_->ctx.options.host + ":" + std::to_string(impl_->port) + "/v1";
}

Json MockServer::stats() const { return stats_json(impl_->ctx); }

int serve_until_signal(const MockOptions& options) {
  // Block the signals in every thread (workers inherit the mask) and take them with sigwait.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  MockServer server(options);
  server.bind();
  std::printf("listening on %s\n", server.base_url().c_str());
  std::fflush(stdout);
  spdlog::info("mock OpenAI server: {} threads, latency {} ms, fail {}, drop {}, rate limit {} rpm{}{}",
               options.threads, options.latency_ms, options.fail_rate, options.drop_rate, options.rate_limit_rpm,
               options.quota_exhausted ? ", quota exhausted" : "", options.require_api_key ? ", API key required" : "");
  std::thread serving([&] { server.run(); });
  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("mock OpenAI server: signal {}, stopping", sig);
  server.stop();
  serving.join();
  return 0;
}

}  // namespace sl::openai::mock
