// fake_hub_server as a real child process on free loopback ports, for the sl::hub tests.
//
//   sl::test::FakeHub hub({"--repo", "org/tiny=" + folder, "--fault", "429:info:1"});
//   settings.endpoint = hub.url();
//   EXPECT_EQ(hub.stats()["requests"]["info"], 2);
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "process.hpp"
#include "sl/core/json.hpp"

namespace sl::test {

class FakeHub {
 public:
  explicit FakeHub(std::vector<std::string> args = {});
  ~FakeHub();
  FakeHub(const FakeHub&) = delete;
  FakeHub& operator=(const FakeHub&) = delete;

  const std::string& url() const { return url_; }          // the Hub (HF_ENDPOINT)
  const std::string& cdn_url() const { return cdn_url_; }  // the second host
  Json stats() const;                                      // GET /fake/stats
  std::string log() const { return process_->stderr_so_far(); }

 private:
  std::unique_ptr<Process> process_;
  std::string url_, cdn_url_;
};

}  // namespace sl::test
