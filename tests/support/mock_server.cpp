#include "mock_server.hpp"

#include <curl/curl.h>
#include <signal.h>

#include <cctype>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "test_support.hpp"

namespace sl::test {

MockServer::MockServer(std::vector<std::string> args) {
  std::vector<std::string> argv{(bin_dir() / "mock_openai_server").string(), "--port", "0"};
  argv.insert(argv.end(), args.begin(), args.end());
  process_ = std::make_unique<Process>(argv);
  const std::string prefix = "listening on ";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (true) {
    std::string out = process_->stdout_so_far();
    auto nl = out.find('\n');
    if (nl != std::string::npos) {
      std::string line = out.substr(0, nl);
      if (line.rfind(prefix, 0) != 0) throw std::runtime_error("mock_openai_server printed: " + line);
      base_url_ = line.substr(prefix.size());
      auto colon = base_url_.rfind(':');
      port_ = std::stoi(base_url_.substr(colon + 1));
      return;
    }
    if (!process_->running())
      throw std::runtime_error("mock_openai_server exited at start: " + process_->stderr_so_far());
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("mock_openai_server did not start within 20 s: " + process_->stderr_so_far());
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

MockServer::~MockServer() {
  if (!process_) return;
  process_->kill(SIGTERM);
  process_->wait(std::chrono::seconds(10));
}

Json MockServer::stats() const {
  std::string root = base_url_.substr(0, base_url_.size() - 3);  // without "/v1"
  PlainHttpResult r = http_request("GET", root + "/mock/stats");
  if (r.status != 200) throw std::runtime_error("GET /mock/stats: status " + std::to_string(r.status));
  return Json::parse(r.body);
}

std::int64_t MockServer::completions_served() const { return stats()["completions_served"].get<std::int64_t>(); }

void MockServer::reset_stats() const {
  std::string root = base_url_.substr(0, base_url_.size() - 3);
  http_request("POST", root + "/mock/reset", "{}");
}

namespace {
std::size_t append_body(char* data, std::size_t size, std::size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

std::size_t add_header(char* data, std::size_t size, std::size_t n, void* user) {
  std::string line(data, size * n);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) value.pop_back();
    (*static_cast<std::map<std::string, std::string>*>(user))[name] = value;
  }
  return size * n;
}
}  // namespace

PlainHttpResult http_request(const std::string& method, const std::string& url, const std::string& body,
                             const std::vector<std::string>& headers) {
  PlainHttpResult result;
  CURL* curl = curl_easy_init();
  if (!curl) throw std::runtime_error("curl_easy_init failed");
  curl_slist* list = nullptr;
  for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
  if (!body.empty() || method == "POST") list = curl_slist_append(list, "Content-Type: application/json");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 30000L);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &result.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, add_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &result.headers);
  if (method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
  } else if (method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  }
  CURLcode code = curl_easy_perform(curl);
  result.curl_code = static_cast<int>(code);
  if (code == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &result.status);
  curl_slist_free_all(list);
  curl_easy_cleanup(curl);
  return result;
}

}  // namespace sl::test
