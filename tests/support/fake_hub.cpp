#include "fake_hub.hpp"

#include <signal.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#include "mock_server.hpp"
#include "test_support.hpp"

namespace sl::test {

FakeHub::FakeHub(std::vector<std::string> args) {
  std::vector<std::string> argv{(bin_dir() / "fake_hub_server").string()};
  argv.insert(argv.end(), args.begin(), args.end());
  process_ = std::make_unique<Process>(argv);
  const std::string prefix = "listening on ";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (true) {
    const std::string out = process_->stdout_so_far();
    const auto nl = out.find('\n');
    if (nl != std::string::npos) {
      const std::string line = out.substr(0, nl);
      const auto cdn = line.find(" cdn ");
      if (line.rfind(prefix, 0) != 0 || cdn == std::string::npos)
        throw std::runtime_error("fake_hub_server printed: " + line);
      url_ = line.substr(prefix.size(), cdn - prefix.size());
      cdn_url_ = line.substr(cdn + 5);
      return;
    }
    if (!process_->running()) throw std::runtime_error("fake_hub_server exited at start: " + process_->stderr_so_far());
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("fake_hub_server did not start within 20 s: " + process_->stderr_so_far());
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

FakeHub::~FakeHub() {
  if (!process_) return;
  process_->kill(SIGTERM);
  process_->wait(std::chrono::seconds(10));
}

Json FakeHub::stats() const {
  const PlainHttpResult r = http_request("GET", url_ + "/fake/stats");
  if (r.status != 200) throw std::runtime_error("GET /fake/stats: status " + std::to_string(r.status));
  return Json::parse(r.body);
}

}  // namespace sl::test
