// HTTP for the Hub client on libcurl's easy interface: the bearer token only to the Hub's own
// origin (never to the CDN a download is redirected to, nor to an LFS upload URL), redirects
// followed by hand so that each hop is checked, retries with backoff on 429 / 5xx / cut
// connections (Retry-After honoured), and downloads that resume with Range.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "sl/hub/settings.hpp"

namespace sl::hub::detail {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
  std::filesystem::path body_file;  // PUT this file instead of `body` (LFS uploads)
  bool follow_redirects = true;     // false: stop at a redirect to another origin and return it
  std::vector<long> accept;         // statuses returned instead of thrown (besides 2xx)
  std::string context;              // what this request is for, for error messages
};

struct HttpResponse {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // of the last hop; names in lower case
  std::string url;                             // the last hop's URL
};

using ProgressFn = std::function<void(std::uint64_t bytes)>;

class HttpClient {
 public:
  explicit HttpClient(Settings settings);

  // Sends with retries; a status outside 2xx and `accept` is an HttpError (one line: status,
  // URL, the server's message, a hint).
  HttpResponse send(const HttpRequest& request) const;

  // GETs `url` into `file`, resuming from the bytes already in it (Range); retries on 429,
  // 5xx and cut connections, each retry resuming. `on_bytes` gets every chunk's size.
  void download(const std::string& url, const std::filesystem::path& file, const ProgressFn& on_bytes,
                const std::string& context) const;

  const Settings& settings() const { return settings_; }

 private:
  Settings settings_;
  std::string origin_;  // scheme://host[:port] of the endpoint: the only origin that gets the token
};

// scheme://host[:port] of a URL (lower case), or "" when it is not an http(s) URL.
std::string origin_of(const std::string& url);

// "Retry-After" as seconds (delta-seconds only), or -1.
double retry_after_seconds(const std::map<std::string, std::string>& headers);

// Percent-encodes a repo path for a URL, keeping '/'.
std::string url_path_escape(const std::string& path);

}  // namespace sl::hub::detail
