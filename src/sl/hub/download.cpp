#include "sl/hub/download.hpp"

#include <fcntl.h>
#include <fnmatch.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "http_client.hpp"
#include "sl/core/error.hpp"
#include "sl/core/progress.hpp"
#include "sl/hub/api_parse.hpp"
#include "sl/hub/cache.hpp"
#include "sl/hub/digest.hpp"
#include "sl/hub/repo_paths.hpp"

namespace sl::hub {

namespace fs = std::filesystem;
using detail::HttpClient;
using detail::HttpRequest;
using detail::url_path_escape;

const std::vector<std::string>& default_model_patterns() {
  static const std::vector<std::string> patterns{"config.json",
                                                 "generation_config.json",
                                                 "*.safetensors",
                                                 "*.safetensors.index.json",
                                                 "tokenizer.json",
                                                 "tokenizer_config.json",
                                                 "special_tokens_map.json",
                                                 "added_tokens.json",
                                                 "vocab.json",
                                                 "merges.txt",
                                                 "tokenizer.model",
                                                 "chat_template.jinja",
                                                 "chat_template.json",
                                                 "adapter_config.json",
                                                 "preprocessor_config.json"};
  return patterns;
}

bool matches_any(const std::string& path, const std::vector<std::string>& patterns) {
  for (const auto& p : patterns)
    if (::fnmatch(p.c_str(), path.c_str(), 0) == 0) return true;
  return false;
}

namespace {

// An exclusive lock on <blob>.lock for as long as it lives: two processes fetching the same
// model (two jobs of one experiment) do not write one .incomplete file at once.
class BlobLock {
 public:
  explicit BlobLock(const fs::path& path) {
    fs::create_directories(path.parent_path());
    fd_ = ::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
    if (fd_ < 0) throw Error("cannot create " + path.string());
    if (::flock(fd_, LOCK_EX) != 0) {
      ::close(fd_);
      throw Error("cannot lock " + path.string());
    }
  }
  ~BlobLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  BlobLock(const BlobLock&) = delete;
  BlobLock& operator=(const BlobLock&) = delete;

 private:
  int fd_ = -1;
};

std::string escape_component(const std::string& s) {
  std::string out = url_path_escape(s);
  std::string slashless;
  for (char c : out) slashless += c == '/' ? std::string("%2F") : std::string(1, c);
  return slashless;
}

std::string human_bytes(std::uint64_t n) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1000 && u < 4) v /= 1000, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, u ? "%.1f %s" : "%.0f %s", v, units[u]);
  return buf;
}

// Checks a finished download against the ETag the Hub gave it: 64 hex digits are an LFS
// sha256, 40 a git blob sha1; other ETags (a CDN's) allow only the size check.
void verify(const fs::path& file, const std::string& etag, std::optional<std::uint64_t> size, const std::string& url) {
  const FileDigests d = digest_file(file);
  if (size && d.size != *size)
    throw Error("size mismatch for " + url + ": expected " + std::to_string(*size) + " bytes, got " +
                std::to_string(d.size) + " (partial download kept out of the cache)");
  const bool hex = etag.find_first_not_of("0123456789abcdef") == std::string::npos;
  if (hex && etag.size() == 64 && d.sha256 != etag)
    throw Error("checksum mismatch for " + url + ": sha256 " + d.sha256 + ", ETag says " + etag +
                " (download discarded)");
  if (hex && etag.size() == 40 && d.git_sha1 != etag)
    throw Error("checksum mismatch for " + url + ": git sha1 " + d.git_sha1 + ", ETag says " + etag +
                " (download discarded)");
}

class SnapshotFetcher {
 public:
  SnapshotFetcher(const HttpClient& http, const RepoId& repo, const RepoCache& cache, std::string commit)
      : http_(http), repo_(repo), cache_(cache), commit_(std::move(commit)) {}

  // Returns the bytes downloaded (0 when the file was in the cache already).
  std::uint64_t fetch(const std::string& path, const std::function<void(std::uint64_t)>& on_bytes) {
    std::error_code ec;
    const fs::path linked = cache_.snapshot(commit_) / path;
    if (fs::exists(linked, ec)) return 0;  // follows the link: blob present
    const std::string endpoint = http_.settings().endpoint;
    const std::string url = endpoint + "/" + repo_.str() + "/resolve/" + commit_ + "/" + url_path_escape(path);
    HttpRequest head;
    head.method = "HEAD";
    head.url = url;
    head.headers = {"Accept-Encoding: identity"};
    head.follow_redirects = false;
    head.context = "metadata of " + path;
    const auto meta = http_.send(head);
    auto header = [&](const char* name) -> std::string {
      auto it = meta.headers.find(name);
      return it == meta.headers.end() ? std::string() : it->second;
    };
    std::string etag = normalize_etag(header("x-linked-etag"));
    if (etag.empty()) etag = normalize_etag(header("etag"));
    if (etag.empty()) throw Error("no ETag from HEAD " + url + ": cannot check or cache the file");
    if (etag.find('/') != std::string::npos || !unsafe_path_reason(etag).empty())
      throw Error("the server's ETag \"" + etag + "\" for " + url + " is not a safe file name");
    const std::string repo_commit = header("x-repo-commit");
    if (!repo_commit.empty() && repo_commit != commit_)
      throw Error("HEAD " + url + " answered commit " + repo_commit + ", expected " + commit_);
    std::optional<std::uint64_t> size;
    std::string size_text = header("x-linked-size");
    if (size_text.empty() && meta.status == 200) size_text = header("content-length");
    if (!size_text.empty()) {
      try {
        size = std::stoull(size_text);
      } catch (...) {
        throw Error("HEAD " + url + ": size \"" + size_text + "\" is not a number");
      }
    }
    std::string download_url = url;
    if (meta.status >= 300 && meta.status < 400) {
      auto it = meta.headers.find("location");
      if (it == meta.headers.end()) throw Error("redirect without Location from HEAD " + url);
      download_url = it->second;
      if (download_url.rfind('/', 0) == 0) download_url = detail::origin_of(url) + download_url;
      if (detail::origin_of(download_url).empty())
        throw Error("HEAD " + url + " redirects to \"" + download_url + "\", not an http(s) URL");
    }

    std::uint64_t fetched = 0;
    {
      BlobLock lock(cache_.lock_file(etag));
      if (!fs::exists(cache_.blob(etag), ec)) {
        const fs::path part = cache_.incomplete_blob(etag);
        fs::create_directories(part.parent_path());
        const auto before = fs::exists(part, ec) ? fs::file_size(part, ec) : 0;
        if (before)
          spdlog::info("{}: resuming at {} of {}", path, human_bytes(before), size ? human_bytes(*size) : "?");
        http_.download(download_url, part, on_bytes, path);
        try {
          verify(part, etag, size, download_url);
        } catch (...) {
          fs::remove(part, ec);
          throw;
        }
        fetched = fs::file_size(part, ec) - before;
        cache_.store_blob(part, etag);
      }
    }
    cache_.link(commit_, path, etag);
    return fetched;
  }

 private:
  const HttpClient& http_;
  const RepoId& repo_;
  const RepoCache& cache_;
  std::string commit_;
};

}  // namespace

std::optional<fs::path> cached_snapshot(const std::string& repo, const std::string& revision, const Settings& settings,
                                        std::string* why) {
  const RepoId id = parse_repo_id(repo, "model id");
  const RepoCache cache(settings.cache_dir, id);
  const auto commit = cache.commit_of(revision);
  if (!commit) {
    if (why) *why = cache.ref(revision).string() + " missing";
    return std::nullopt;
  }
  const fs::path snap = cache.snapshot(*commit);
  std::error_code ec;
  if (!fs::is_directory(snap, ec)) {
    if (why) *why = snap.string() + " missing";
    return std::nullopt;
  }
  return snap;
}

DownloadResult snapshot_download(const DownloadRequest& request, const Settings& settings) {
  const RepoId repo = parse_repo_id(request.repo, "model id");
  check_repo_path(request.revision, "revision");
  DownloadResult result;
  if (settings.offline) {
    std::string why;
    auto snap = cached_snapshot(request.repo, request.revision, settings, &why);
    if (!snap) throw Error("\"" + request.repo + "\" not in cache (" + why + "); HF_HUB_OFFLINE=1 forbids downloading");
    result.snapshot = *snap;
    result.commit = snap->filename().string();
    return result;
  }
  const HttpClient http(settings);
  HttpRequest info_req;
  info_req.url = settings.endpoint + "/api/models/" + repo.str() + "/revision/" + escape_component(request.revision);
  info_req.context = "file list of " + repo.str() + "@" + request.revision;
  const auto info_resp = http.send(info_req);
  const ModelInfo info = parse_model_info(info_resp.body, info_req.url);

  const auto& patterns = request.patterns.empty() ? default_model_patterns() : request.patterns;
  std::vector<std::string> wanted;
  for (const auto& s : info.siblings)
    if (request.all_files || matches_any(s.rfilename, patterns)) wanted.push_back(s.rfilename);
  if (wanted.empty())
    throw Error(repo.str() + "@" + request.revision + " has " + std::to_string(info.siblings.size()) +
                " files and none matches the patterns asked for");

  const RepoCache cache(settings.cache_dir, repo);
  fs::create_directories(cache.snapshot(info.sha));
  SnapshotFetcher fetcher(http, repo, cache, info.sha);
  std::mutex mu;
  std::optional<Progress> progress;
  if (request.show_progress) progress.emplace("download " + repo.str(), wanted.size());
  std::atomic<std::uint64_t> bytes{0};
  std::atomic<std::size_t> next{0}, downloaded{0};
  std::vector<std::string> errors;
  std::optional<int> first_status;  // the first failure's HTTP status, when it was one
  auto worker = [&] {
    for (std::size_t i = next++; i < wanted.size(); i = next++) {
      try {
        const auto got = fetcher.fetch(wanted[i], [&](std::uint64_t n) { bytes += n; });
        std::lock_guard<std::mutex> lock(mu);
        if (got) ++downloaded;
        if (progress) {
          progress->set_status(human_bytes(bytes.load()));
          progress->advance();
        }
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(mu);
        if (errors.empty())
          if (const auto* http = dynamic_cast<const HttpError*>(&e)) first_status = http->status();
        errors.push_back(e.what());
      }
    }
  };
  const int threads = std::max(1, std::min<int>(settings.threads, static_cast<int>(wanted.size())));
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  if (progress) progress->finish();
  if (!errors.empty()) {
    std::string msg = errors.front();
    if (errors.size() > 1) msg += " (and " + std::to_string(errors.size() - 1) + " more failed files)";
    if (first_status) throw HttpError(*first_status, msg);
    throw Error(msg);
  }
  cache.write_ref(request.revision, info.sha);
  result.snapshot = cache.snapshot(info.sha);
  result.commit = info.sha;
  result.files = wanted.size();
  result.downloaded = downloaded;
  result.bytes = bytes;
  if (request.show_progress)
    spdlog::info("{}@{}: {} files ({} downloaded, {}) in {}", repo.str(), request.revision, wanted.size(),
                 downloaded.load(), human_bytes(bytes), result.snapshot.string());
  return result;
}

}  // namespace sl::hub
