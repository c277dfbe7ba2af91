#include "http_client.hpp"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <thread>

#include "sl/core/error.hpp"
#include "sl/core/interrupt.hpp"
#include "sl/hub/api_parse.hpp"

namespace sl::hub::detail {

namespace fs = std::filesystem;

namespace {

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct CurlDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

std::size_t collect_header(char* data, std::size_t size, std::size_t n, void* user) {
  auto* headers = static_cast<std::map<std::string, std::string>*>(user);
  std::string line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) headers->clear();  // a new response (after 100 Continue)
  const auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) value.pop_back();
    (*headers)[name] = value;
  }
  return size * n;
}

// Where a response body goes: a string, or (downloads) a file that a 206 appends to and a 200
// starts over.
struct Sink {
  CURL* handle = nullptr;
  std::string body;
  std::FILE* file = nullptr;
  bool decided = false;
  bool to_file = false;
  std::uint64_t written = 0;
  const ProgressFn* on_bytes = nullptr;
  bool failed = false;
};

std::size_t write_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* s = static_cast<Sink*>(user);
  const std::size_t len = size * n;
  if (s->file && !s->decided) {
    s->decided = true;
    long status = 0;
    curl_easy_getinfo(s->handle, CURLINFO_RESPONSE_CODE, &status);
    if (status == 206) {
      s->to_file = true;
      std::fseek(s->file, 0, SEEK_END);
    } else if (status == 200) {
      s->to_file = true;  // the server ignored Range: start over
      if (std::fflush(s->file) != 0 || ::ftruncate(fileno(s->file), 0) != 0) return 0;
      std::fseek(s->file, 0, SEEK_SET);
    }
  }
  if (s->to_file) {
    if (std::fwrite(data, 1, len, s->file) != len) {
      s->failed = true;
      return 0;
    }
    s->written += len;
    if (s->on_bytes && *s->on_bytes) (*s->on_bytes)(len);
  } else if (s->body.size() < (1u << 26)) {  // an error page or API answer; bounded
    s->body.append(data, len);
  } else {
    return 0;
  }
  return len;
}

std::size_t read_file(char* buffer, std::size_t size, std::size_t n, void* user) {
  return std::fread(buffer, 1, size * n, static_cast<std::FILE*>(user));
}

int abort_on_interrupt(void*, curl_off_t, curl_off_t, curl_off_t, curl_off_t) { return interrupt::requested() ? 1 : 0; }

bool retryable_status(long status) { return status == 429 || status >= 500; }

bool retryable_curl(CURLcode c) {
  switch (c) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
      return true;
    default:
      return false;
  }
}

// Resolves a Location header against the URL it came from.
std::string resolve_location(const std::string& base, const std::string& location) {
  if (location.rfind("http://", 0) == 0 || location.rfind("https://", 0) == 0) return location;
  const std::string origin = origin_of(base);
  if (!location.empty() && location.front() == '/') return origin + location;
  const auto slash = base.rfind('/');
  return base.substr(0, slash + 1) + location;
}

std::string hint_for(long status, bool has_token) {
  switch (status) {
    case 401:
      return has_token ? "HF_TOKEN was sent and refused (expired or wrong?)"
                       : "gated or private repo: set HF_TOKEN to a token with access";
    case 403:
      return "HF_TOKEN has no access (gated repo: accept its conditions on the Hub; writing: a write token)";
    case 404:
      return std::string("no such repo, revision or file") +
             (has_token ? "" : " (a private repo answers 404 without HF_TOKEN)");
    case 429:
      return "rate limited";
    default:
      return "";
  }
}

struct Attempt {
  CURLcode code = CURLE_OK;
  std::string curl_error;
  HttpResponse response;
};

}  // namespace

std::string origin_of(const std::string& url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return "";
  std::string scheme = url.substr(0, scheme_end);
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "http" && scheme != "https") return "";
  const auto host_end = url.find_first_of("/?#", scheme_end + 3);
  std::string host =
      url.substr(scheme_end + 3, host_end == std::string::npos ? std::string::npos : host_end - scheme_end - 3);
  for (char& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (host.find('@') != std::string::npos) return "";  // userinfo in a URL: never trusted
  return scheme + "://" + host;
}

double retry_after_seconds(const std::map<std::string, std::string>& headers) {
  auto it = headers.find("retry-after");
  if (it == headers.end() || it->second.empty()) return -1;
  try {
    std::size_t used = 0;
    const double v = std::stod(it->second, &used);
    if (used != it->second.size() || v < 0) return -1;
    return v;
  } catch (...) {
    return -1;
  }
}

std::string url_path_escape(const std::string& path) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

HttpClient::HttpClient(Settings settings) : settings_(std::move(settings)), origin_(origin_of(settings_.endpoint)) {
  init_curl_once();
  if (origin_.empty()) throw UsageError("HF_ENDPOINT \"" + settings_.endpoint + "\" is not an http(s) URL");
}

namespace {

// One try of one request, following redirects by hand. `file`: download into it (Range from
// its current size). The token goes to the endpoint's origin only.
Attempt perform(const HttpRequest& r, const std::string& endpoint_origin, const std::optional<std::string>& token,
                std::FILE* file, const ProgressFn* on_bytes) {
  Attempt a;
  std::string url = r.url;
  std::string method = r.method;
  for (int hop = 0; hop < 10; ++hop) {
    std::unique_ptr<CURL, CurlDeleter> h(curl_easy_init());
    if (!h) throw Error("libcurl could not start a request");
    CURL* c = h.get();
    Sink sink;
    sink.handle = c;
    sink.on_bytes = on_bytes;
    std::uint64_t offset = 0;
    if (file) {
      std::fseek(file, 0, SEEK_END);
      offset = static_cast<std::uint64_t>(std::ftell(file));
      sink.file = file;
    }
    curl_slist* raw = nullptr;
    for (const auto& line : r.headers) raw = curl_slist_append(raw, line.c_str());
    const bool same_origin = origin_of(url) == endpoint_origin;
    std::string auth;
    if (token && same_origin) {
      auth = "Authorization: Bearer " + *token;
      raw = curl_slist_append(raw, auth.c_str());
    }
    std::string range;
    if (file && offset > 0) {
      range = "Range: bytes=" + std::to_string(offset) + "-";
      raw = curl_slist_append(raw, range.c_str());
    }
    raw = curl_slist_append(raw, "User-Agent: sl_hub/1 (subliminal-learning toolkit)");
    std::unique_ptr<curl_slist, SlistDeleter> list(raw);
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, list.get());
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &a.response.headers);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, abort_on_interrupt);
    char errbuf[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> upload(nullptr, std::fclose);
    if (method == "HEAD") {
      curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (method == "PUT" && !r.body_file.empty()) {
      upload.reset(std::fopen(r.body_file.c_str(), "rb"));
      if (!upload) throw Error("cannot read " + r.body_file.string());
      std::error_code ec;
      const auto size = fs::file_size(r.body_file, ec);
      curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(c, CURLOPT_READFUNCTION, read_file);
      curl_easy_setopt(c, CURLOPT_READDATA, upload.get());
      curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(size));
    } else if (method != "GET") {
      curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, r.body.c_str());
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
    }
    a.response.headers.clear();
    a.code = curl_easy_perform(c);
    if (sink.failed) throw Error("cannot write the download (disk full?)");
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a.response.status);
    a.response.url = url;
    a.response.body = std::move(sink.body);
    if (a.code != CURLE_OK) {
      a.curl_error = errbuf[0] ? errbuf : curl_easy_strerror(a.code);
      return a;
    }
    const long s = a.response.status;
    const bool redirect = s == 301 || s == 302 || s == 303 || s == 307 || s == 308;
    auto loc = a.response.headers.find("location");
    if (!redirect || loc == a.response.headers.end()) return a;
    const std::string next = resolve_location(url, loc->second);
    if (origin_of(next).empty()) return a;  // not http(s): leave it to the caller's error
    // huggingface_hub follows only same-origin ("relative") redirects when it asks for a file's
    // metadata; the CDN URL is then fetched without the token.
    if (!r.follow_redirects && origin_of(next) != endpoint_origin) return a;
    if (s == 303) method = "GET";
    url = next;
  }
  a.code = CURLE_TOO_MANY_REDIRECTS;
  a.curl_error = "more than 10 redirects";
  return a;
}

[[noreturn]] void fail(const HttpRequest& r, const Attempt& a, int attempts, bool has_token) {
  const std::string what = r.context.empty() ? "" : " (" + r.context + ")";
  const std::string tries = attempts > 1 ? " after " + std::to_string(attempts) + " attempts" : "";
  if (a.code != CURLE_OK)
    throw HttpError(0, "no answer from " + r.method + " " + a.response.url + what + tries + ": " + a.curl_error);
  std::string msg;
  if (auto it = a.response.headers.find("x-error-message"); it != a.response.headers.end()) msg = it->second;
  if (msg.empty()) msg = error_message_of(a.response.body);
  const std::string hint = hint_for(a.response.status, has_token);
  throw HttpError(static_cast<int>(a.response.status),
                  std::to_string(a.response.status) + " from " + r.method + " " + a.response.url + what + tries +
                      (msg.empty() ? "" : ": " + msg) + (hint.empty() ? "" : "; " + hint));
}

void wait_before_retry(const Settings& s, int attempt, const Attempt& a, const HttpRequest& r, int attempts_max,
                       bool has_token) {
  double wait = s.retry_base_s * static_cast<double>(1 << (attempt - 1));
  const double after = retry_after_seconds(a.response.headers);
  if (after >= 0) {
    if (after > s.max_retry_wait_s) fail(r, a, attempt, has_token);
    wait = after;
  }
  spdlog::debug("{} {}: {} ; retrying in {:.2f} s ({}/{})", r.method, a.response.url,
                a.code != CURLE_OK ? a.curl_error : std::to_string(a.response.status), wait, attempt, attempts_max);
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(wait);
  while (std::chrono::steady_clock::now() < until) {
    if (interrupt::requested()) throw Error("interrupted while waiting to retry " + r.url);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace

HttpResponse HttpClient::send(const HttpRequest& request) const {
  const bool has_token = settings_.token.has_value();
  for (int attempt = 1;; ++attempt) {
    Attempt a = perform(request, origin_, settings_.token, nullptr, nullptr);
    const bool retry = a.code != CURLE_OK ? retryable_curl(a.code) : retryable_status(a.response.status);
    if (retry && attempt < settings_.max_attempts && !interrupt::requested()) {
      wait_before_retry(settings_, attempt, a, request, settings_.max_attempts, has_token);
      continue;
    }
    if (a.code != CURLE_OK) fail(request, a, attempt, has_token);
    const long s = a.response.status;
    const bool ok = (s >= 200 && s < 300) || (!request.follow_redirects && s >= 300 && s < 400) ||
                    std::find(request.accept.begin(), request.accept.end(), s) != request.accept.end();
    if (!ok) fail(request, a, attempt, has_token);
    return std::move(a.response);
  }
}

void HttpClient::download(const std::string& url, const fs::path& file, const ProgressFn& on_bytes,
                          const std::string& context) const {
  HttpRequest r;
  r.url = url;
  r.context = context;
  const bool has_token = settings_.token.has_value();
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(file.c_str(), "ab+"), std::fclose);
  if (!f) throw Error("cannot write " + file.string());
  for (int attempt = 1;; ++attempt) {
    Attempt a = perform(r, origin_, settings_.token, f.get(), &on_bytes);
    if (std::fflush(f.get()) != 0) throw Error("cannot write " + file.string() + " (disk full?)");
    if (a.code == CURLE_OK && a.response.status == 416) {
      // The partial file is not a prefix the server can continue: start over.
      if (::ftruncate(fileno(f.get()), 0) != 0) throw Error("cannot truncate " + file.string());
      if (attempt < settings_.max_attempts) continue;
    }
    if (a.code == CURLE_OK && (a.response.status == 200 || a.response.status == 206)) return;
    const bool retry = a.code != CURLE_OK ? retryable_curl(a.code) : retryable_status(a.response.status);
    if (retry && attempt < settings_.max_attempts && !interrupt::requested()) {
      wait_before_retry(settings_, attempt, a, r, settings_.max_attempts, has_token);
      continue;
    }
    fail(r, a, attempt, has_token);
  }
}

}  // namespace sl::hub::detail
