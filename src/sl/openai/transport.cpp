#include "sl/openai/transport.hpp"

#include <curl/curl.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <unordered_map>

#include "curl_failure.hpp"
#include "sl/core/error.hpp"
#include "sl/core/interrupt.hpp"
#include "sl/openai/api_error.hpp"
#include "sl/openai/retry_policy.hpp"

namespace sl::openai {

namespace {

using Clock = std::chrono::steady_clock;

void init_curl_once() {
  static const bool done = [] {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return true;
  }();
  (void)done;
}

// One logical request across its attempts; the per-attempt transfer state is reset on start.
struct Attempt {
  std::size_t index = 0;
  HttpRequest request;
  std::size_t server = 0;  // the server of the current attempt (index into Impl::servers)
  std::string url;         // that server's base URL + the request's path
  int attempts = 0;
  int retries = 0;
  int connect_retries = 0;
  int rate_limit_retries = 0;
  std::int64_t start_seq = 0;  // stats.attempts when the current attempt started
  Clock::time_point first_start;

  CURL* easy = nullptr;
  curl_slist* header_list = nullptr;
  curl_mime* mime = nullptr;
  HttpResponse response;
  char error_buffer[CURL_ERROR_SIZE] = {};
  std::size_t max_body = 0;     // ClientConfig::max_response_bytes
  bool body_too_large = false;  // the transfer was stopped at max_body
};

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* a = static_cast<Attempt*>(user);
  if (a->response.body.size() + size * n > a->max_body) {
    a->body_too_large = true;
    return 0;  // curl stops the transfer (CURLE_WRITE_ERROR)
  }
  a->response.body.append(data, size * n);
  return size * n;
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
  auto* a = static_cast<Attempt*>(user);
  std::string_view line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) {  // a new status line (after 1xx): earlier headers do not count
    a->response.headers.clear();
    return size * n;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return size * n;
  std::string name(line.substr(0, colon));
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
    value.remove_suffix(1);
  a->response.headers[name] = std::string(value);
  return size * n;
}

long to_ms(double seconds) { return static_cast<long>(std::max(1.0, seconds * 1000.0)); }

}  // namespace

// One server (the base URL or a replica) and its own pacing: a rate limit or an overload on
// one replica slows that replica only.
struct Server {
  std::string base_url;
  Clock::time_point paused_until{};  // set by rate-limit answers: no attempt starts before
  // Requests allowed in flight: `concurrency`, halved when the server says "rate limited" (at
  // most once per round of requests), grown back by one per window of successes (AIMD, as
  // TCP does), so that a client at its rate limit settles near the rate instead of hammering.
  double window = 0;
  std::int64_t last_decrease_seq = -1;
  std::size_t in_flight = 0;

  std::size_t slots() const { return static_cast<std::size_t>(std::max(1.0, window)); }
  bool may_start(Clock::time_point now) const { return in_flight < slots() && now >= paused_until; }
};

struct Transport::Impl {
  ClientConfig config;
  ClientStats stats;
  std::vector<Server> servers;
  std::size_t next_server = 0;  // where the search for the least busy server starts (round-robin on ties)
  CURLM* multi = nullptr;
  std::vector<CURL*> idle_handles;  // reused: saves setup, keeps TLS session caches warm
  // Jitter only spreads retries in time; it never changes what a request returns, so it is
  // seeded per process rather than from the run's configuration.
  std::mt19937_64 rng{static_cast<std::uint64_t>(::getpid()) * 0x9E3779B97F4A7C15ULL ^
                      static_cast<std::uint64_t>(Clock::now().time_since_epoch().count())};
  std::set<std::string> reasons_logged;

  // libcurl's socket interface: curl tells us which sockets to watch (on_socket) and when to
  // call it back (on_timer); epoll reports the sockets that are ready, and only their transfers
  // are processed. With hundreds of connections this costs a fraction of curl_multi_poll +
  // curl_multi_perform, which visit every transfer on every wake-up.
  int epoll_fd = -1;
  std::optional<Clock::time_point> curl_deadline;

  static int on_socket(CURL*, curl_socket_t fd, int what, void* user, void*) {
    auto* self = static_cast<Impl*>(user);
    if (what == CURL_POLL_REMOVE) {
      ::epoll_ctl(self->epoll_fd, EPOLL_CTL_DEL, fd, nullptr);  // may already be closed: fine
      return 0;
    }
    epoll_event ev{};
    ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0u) | (what & CURL_POLL_OUT ? EPOLLOUT : 0u);
    ev.data.fd = fd;
    if (::epoll_ctl(self->epoll_fd, EPOLL_CTL_MOD, fd, &ev) != 0) ::epoll_ctl(self->epoll_fd, EPOLL_CTL_ADD, fd, &ev);
    return 0;
  }

  static int on_timer(CURLM*, long timeout_ms, void* user) {
    auto* self = static_cast<Impl*>(user);
    if (timeout_ms < 0) self->curl_deadline.reset();
    else self->curl_deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    return 0;
  }

  explicit Impl(ClientConfig c) : config(std::move(c)) {
    config.validate();
    init_curl_once();
    epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd < 0) throw Error("epoll_create1 failed");
    for (const std::string& url : config.servers()) servers.push_back(Server{url});
    for (Server& s : servers) s.window = config.concurrency;
    multi = curl_multi_init();
    if (!multi) throw Error("libcurl: cannot create a multi handle");
    const long connections = static_cast<long>(config.concurrency) * static_cast<long>(servers.size());
    curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, connections);
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, connections);
    curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, this);
    curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, on_timer);
    curl_multi_setopt(multi, CURLMOPT_TIMERDATA, this);
  }

  // Waits up to `max_wait` for socket activity or curl's timer, and lets curl act on it.
  void drive(std::chrono::milliseconds max_wait) {
    auto now = Clock::now();
    if (curl_deadline) {
      auto until_timer = std::chrono::ceil<std::chrono::milliseconds>(*curl_deadline - now);
      max_wait = std::max(std::chrono::milliseconds(0), std::min(max_wait, until_timer));
    }
    epoll_event events[256];
    const int n = ::epoll_wait(epoll_fd, events, 256, static_cast<int>(max_wait.count()));
    int running = 0;
    for (int i = 0; i < n; ++i) {
      int flags = 0;
      if (events[i].events & EPOLLIN) flags |= CURL_CSELECT_IN;
      if (events[i].events & EPOLLOUT) flags |= CURL_CSELECT_OUT;
      if (events[i].events & (EPOLLERR | EPOLLHUP)) flags |= CURL_CSELECT_ERR;
      curl_multi_socket_action(multi, events[i].data.fd, flags, &running);
    }
    if (curl_deadline && *curl_deadline <= Clock::now()) {
      curl_deadline.reset();
      curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
    }
  }

  // The server for the next attempt: among those with a free slot and no rate-limit pause, the
  // one with the fewest requests in flight; ties go round-robin. nullopt when none may start.
  std::optional<std::size_t> pick_server(Clock::time_point now) const {
    std::optional<std::size_t> best;
    for (std::size_t k = 0; k < servers.size(); ++k) {
      const std::size_t i = (next_server + k) % servers.size();
      if (!servers[i].may_start(now)) continue;
      if (!best || servers[i].in_flight < servers[*best].in_flight) best = i;
    }
    return best;
  }

  void on_success(Server& s) {
    s.window = std::min<double>(config.concurrency, s.window + 1.0 / std::max(1.0, s.window));
  }

  void on_rate_limited(Server& s, const Attempt& a) {
    if (a.start_seq <= s.last_decrease_seq) return;  // started before the last decrease: same round
    s.window = std::max(1.0, s.window / 2.0);
    s.last_decrease_seq = stats.attempts;
  }

  // Per-server attempt counts for the stats, when there is more than one server.
  void count_attempt(const Server& s) {
    if (servers.size() > 1) ++stats.attempts_by_server[s.base_url];
  }

  ~Impl() {
    for (CURL* e : idle_handles) curl_easy_cleanup(e);
    if (multi) curl_multi_cleanup(multi);
    if (epoll_fd >= 0) ::close(epoll_fd);
  }

  static std::string url_on(const std::string& base_url, const std::string& path) {
    if (path.empty() || path.front() == '/') return base_url + path;
    return base_url + "/" + path;
  }
  std::string url_for(const std::string& path) const { return url_on(config.base_url, path); }

  CURL* acquire_handle() {
    if (!idle_handles.empty()) {
      CURL* e = idle_handles.back();
      idle_handles.pop_back();
      return e;
    }
    CURL* e = curl_easy_init();
    if (!e) throw Error("libcurl: cannot create an easy handle");
    return e;
  }

  // Detaches a finished (or abandoned) transfer from the loop and frees its per-attempt state.
  void release_transfer(Attempt& a) {
    if (!a.easy) return;
    curl_multi_remove_handle(multi, a.easy);
    --servers[a.server].in_flight;
    curl_easy_reset(a.easy);
    idle_handles.push_back(a.easy);
    a.easy = nullptr;
    if (a.header_list) curl_slist_free_all(a.header_list);
    a.header_list = nullptr;
    if (a.mime) curl_mime_free(a.mime);
    a.mime = nullptr;
  }

  void start_transfer(Attempt& a, std::size_t server) {
    a.response = HttpResponse{};
    a.error_buffer[0] = '\0';
    a.max_body = config.max_response_bytes;
    a.body_too_large = false;
    if (a.attempts == 0) a.first_start = Clock::now();
    ++a.attempts;
    a.start_seq = ++stats.attempts;
    a.server = server;
    a.url = url_on(servers[server].base_url, a.request.path);
    ++servers[server].in_flight;
    count_attempt(servers[server]);
    CURL* e = acquire_handle();
    a.easy = e;
    curl_easy_setopt(e, CURLOPT_URL, a.url.c_str());
    curl_easy_setopt(e, CURLOPT_PRIVATE, &a);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &a);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, &a);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, a.error_buffer);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, to_ms(config.connect_timeout_s));
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, to_ms(config.request_timeout_s));
    curl_easy_setopt(e, CURLOPT_USERAGENT, "subliminal-learning-toolkit/0.1 (libcurl)");

    curl_slist* h = nullptr;
    if (config.api_key) h = curl_slist_append(h, ("Authorization: Bearer " + *config.api_key).c_str());
    h = curl_slist_append(h, "Accept: application/json");
    h = curl_slist_append(h, "Expect:");  // no 100-continue round trip before a body
    const HttpRequest& r = a.request;
    if (!r.multipart.empty()) {
      a.mime = curl_mime_init(e);
      for (const MultipartPart& p : r.multipart) {
        curl_mimepart* part = curl_mime_addpart(a.mime);
        curl_mime_name(part, p.name.c_str());
        if (p.file_path) curl_mime_filedata(part, p.file_path->c_str());
        else curl_mime_data(part, p.data.data(), p.data.size());
        if (p.filename) curl_mime_filename(part, p.filename->c_str());
        if (p.content_type) curl_mime_type(part, p.content_type->c_str());
      }
      curl_easy_setopt(e, CURLOPT_MIMEPOST, a.mime);
      if (r.method == HttpMethod::del) curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "DELETE");
    } else if (r.method == HttpMethod::get) {
      curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    } else {
      if (r.method == HttpMethod::del) curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "DELETE");
      if (r.method == HttpMethod::post || !r.body.empty()) {
        h = curl_slist_append(h, "Content-Type: application/json");
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, r.body.data());  // not copied: lives in `a`
      }
    }
    a.header_list = h;
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    CURLMcode mc = curl_multi_add_handle(multi, e);
    if (mc != CURLM_OK) throw Error(std::string("libcurl: ") + curl_multi_strerror(mc));
  }

  void log_retry(const Attempt& a, const RetryDecision& d, double delay_s, const std::string& what) {
    // The first retry of each kind is worth a visible line; the rest are in the final counts.
    auto level = reasons_logged.insert(d.reason).second ? spdlog::level::info : spdlog::level::debug;
    spdlog::log(level, "{}; retrying in {:.2f}s (attempt {})", what, delay_s, a.attempts + 1);
  }
};

namespace {

// The state of one run(): who is in flight, who waits for a retry, the first fatal error.
// Its destructor detaches every transfer, so an exception or an interrupt leaves the
// Transport ready for the next call.
class Run {
 public:
  Run(Transport::Impl& impl, std::size_t count, const Transport::MakeRequest& make,
      const Transport::OnResponse& on_response)
      : impl_(impl), count_(count), make_(make), on_response_(on_response) {}

  ~Run() {
    for (auto& [ptr, attempt] : in_flight_) impl_.release_transfer(*attempt);
  }

  void execute() {
    while (true) {
      if (interrupt::requested()) return;  // abandon what is in flight; callers re-run later
      start_what_may_start();
      if (in_flight_.empty() && (failed_ || (waiting_.empty() && next_ == count_))) break;
      impl_.drive(wait_ms());
      collect_finished();
    }
    if (failed_) throw *failed_;
  }

 private:
  std::optional<std::size_t> server_for_next(Clock::time_point now) const {
    if (failed_) return std::nullopt;
    return impl_.pick_server(now);
  }

  void start_what_may_start() {
    const auto now = Clock::now();
    // Retries first: they are older work.
    while (!waiting_.empty() && waiting_.begin()->first <= now) {
      auto server = server_for_next(now);
      if (!server) break;
      auto node = waiting_.extract(waiting_.begin());
      launch(std::move(node.mapped()), *server);
    }
    while (next_ < count_) {
      auto server = server_for_next(now);
      if (!server) break;
      auto a = std::make_unique<Attempt>();
      a->index = next_;
      a->request = make_(next_);
      ++next_;
      ++impl_.stats.requests;
      launch(std::move(a), *server);
    }
  }

  void launch(std::unique_ptr<Attempt> a, std::size_t server) {
    Attempt* raw = a.get();
    in_flight_.emplace(raw, std::move(a));
    impl_.next_server = (server + 1) % impl_.servers.size();
    impl_.start_transfer(*raw, server);
  }

  std::chrono::milliseconds wait_ms() const {
    auto now = Clock::now();
    auto wait = std::chrono::milliseconds(100);  // also how quickly an interrupt is noticed
    auto until = [&](Clock::time_point t) {
      if (t > now) wait = std::min(wait, std::chrono::ceil<std::chrono::milliseconds>(t - now));
      else wait = std::chrono::milliseconds(0);
    };
    for (const Server& s : impl_.servers) {
      const bool free_slot = !failed_ && s.in_flight < s.slots();
      if (free_slot && !waiting_.empty()) until(std::max(waiting_.begin()->first, s.paused_until));
      if (free_slot && next_ < count_ && s.paused_until > now) until(s.paused_until);
    }
    return wait;
  }

  void collect_finished() {
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(impl_.multi, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      Attempt* raw = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char**>(&raw));
      const CURLcode code = msg->data.result;
      auto node = in_flight_.extract(raw);
      std::unique_ptr<Attempt> a = std::move(node.mapped());
      finish(std::move(a), code);
    }
  }

  void finish(std::unique_ptr<Attempt> a, CURLcode code) {
    RetryDecision decision;
    std::string what;
    int status = 0;
    if (code == CURLE_OK) {
      long http_status = 0;
      curl_easy_getinfo(a->easy, CURLINFO_RESPONSE_CODE, &http_status);
      status = a->response.status = static_cast<int>(http_status);
      impl_.release_transfer(*a);
      if (status >= 200 && status < 300) {
        ++impl_.stats.succeeded;
        impl_.on_success(impl_.servers[a->server]);
        a->response.url = a->url;
        on_response_(a->index, std::move(a->response));
        return;
      }
      decision = classify_response(a->response, impl_.config.retry);
      what = "HTTP " + std::to_string(status) + " from " + a->url + ": " +
             redact(server_message(a->response), impl_.config.api_key);
    } else if (a->body_too_large) {
      // Not retried: the same server would send the same answer again.
      decision = RetryDecision{};
      decision.reason = "response_too_large";
      what = std::string(to_string(a->request.method)) + " " + a->url + ": the response is over the limit of " +
             std::to_string(a->max_body) + " bytes (ClientConfig::max_response_bytes)";
      impl_.release_transfer(*a);
    } else {
      curl_off_t connect_us = 0;
      curl_easy_getinfo(a->easy, CURLINFO_CONNECT_TIME_T, &connect_us);
      decision = classify_failure(detail::failure_of(code, connect_us > 0));
      what = std::string(to_string(a->request.method)) + " " + a->url + ": " +
             redact(detail::describe_failure(code, a->error_buffer), impl_.config.api_key);
      impl_.release_transfer(*a);
    }
    if (failed_) return;  // already failing: only answers still count, not new retries

    if (decision.retry) {
      // Rate limits are the server pacing us: they are bounded by time (max_total_s), not by
      // count. Other failures use the retry counts.
      int& used = decision.rate_limited     ? a->rate_limit_retries
                  : decision.connect_budget ? a->connect_retries
                                            : a->retries;
      const int budget = decision.rate_limited     ? std::numeric_limits<int>::max()
                         : decision.connect_budget ? impl_.config.retry.max_connect_retries
                                                   : impl_.config.retry.max_retries;
      const double delay =
          decision.server_delay_s ? *decision.server_delay_s : backoff_delay_s(used + 1, impl_.config.retry, impl_.rng);
      const auto now = Clock::now();
      const double elapsed = std::chrono::duration<double>(now - a->first_start).count();
      const bool in_time = elapsed + delay <= impl_.config.retry.max_total_s;
      if (used < budget && in_time) {
        ++used;
        Server& server = impl_.servers[a->server];
        if (decision.rate_limited) impl_.on_rate_limited(server, *a);
        ++impl_.stats.retries;
        ++impl_.stats.retries_by_reason[decision.reason];
        impl_.log_retry(*a, decision, delay, what);
        const auto due = now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(delay));
        if (decision.rate_limited) server.paused_until = std::max(server.paused_until, due);
        waiting_.emplace(due, std::move(a));
        return;
      }
      char why[160];
      if (!in_time)
        std::snprintf(why, sizeof why,
                      " (gave up after %d attempt%s: waiting %.1f s more would pass the retry time limit of %.0f s)",
                      a->attempts, a->attempts == 1 ? "" : "s", delay, impl_.config.retry.max_total_s);
      else std::snprintf(why, sizeof why, " (gave up after %d attempt%s)", a->attempts, a->attempts == 1 ? "" : "s");
      what += why;
    }
    ++impl_.stats.failed;
    failed_.emplace(status, what);
    waiting_.clear();  // abandoned: the caller reruns (journals make that cheap)
  }

  Transport::Impl& impl_;
  const std::size_t count_;
  const Transport::MakeRequest& make_;
  const Transport::OnResponse& on_response_;
  std::size_t next_ = 0;
  std::unordered_map<Attempt*, std::unique_ptr<Attempt>> in_flight_;
  std::multimap<Clock::time_point, std::unique_ptr<Attempt>> waiting_;
  std::optional<HttpError> failed_;
};

}  // namespace

Transport::Transport(ClientConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}
Transport::~Transport() = default;

void Transport::run(std::size_t count, const MakeRequest& make, const OnResponse& on_response) {
  Run run(*impl_, count, make, on_response);
  run.execute();
}

HttpResponse Transport::send(const HttpRequest& request) {
  std::optional<HttpResponse> out;
  run(
      1, [&](std::size_t) { return request; }, [&](std::size_t, HttpResponse&& r) { out = std::move(r); });
  if (!out) throw Error(std::string(to_string(request.method)) + " " + url_for(request.path) + ": interrupted");
  return std::move(*out);
}

std::string Transport::url_for(const std::string& path) const { return impl_->url_for(path); }
const ClientConfig& Transport::config() const { return impl_->config; }
const ClientStats& Transport::stats() const { return impl_->stats; }

}  // namespace sl::openai
