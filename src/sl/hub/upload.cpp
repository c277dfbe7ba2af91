#include "sl/hub/upload.hpp"

#include <spdlog/spdlog.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "http_client.hpp"
#include "sl/core/error.hpp"
#include "sl/core/files.hpp"
#include "sl/hub/api_parse.hpp"
#include "sl/hub/digest.hpp"
#include "sl/hub/repo_paths.hpp"

namespace sl::hub {

namespace fs = std::filesystem;
using detail::HttpClient;
using detail::HttpRequest;
using J = nlohmann::json;

std::string base64_encode(std::string_view bytes) {
  static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += table[v >> 18];
    out += table[(v >> 12) & 63];
    out += table[(v >> 6) & 63];
    out += table[v & 63];
  }
  if (i < bytes.size()) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += table[v >> 18];
    out += table[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? table[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

namespace {

struct LocalFile {
  std::string path;  // in the repo, '/'-separated
  fs::path file;
  FileDigests digests;
};

std::vector<LocalFile> local_files(const fs::path& folder) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) throw UsageError(folder.string() + " is not a folder");
  std::vector<LocalFile> out;
  for (auto it = fs::recursive_directory_iterator(folder); it != fs::recursive_directory_iterator(); ++it) {
    const std::string name = it->path().filename().string();
    if (!name.empty() && name.front() == '.') {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(ec)) continue;
    LocalFile f;
    f.path = fs::relative(it->path(), folder).generic_string();
    check_repo_path(f.path, "file name");
    f.file = it->path();
    out.push_back(std::move(f));
  }
  std::sort(out.begin(), out.end(), [](const LocalFile& a, const LocalFile& b) { return a.path < b.path; });
  if (out.empty()) throw UsageError(folder.string() + " has no file to upload");
  for (auto& f : out) f.digests = digest_file(f.file);
  return out;
}

std::string read_head(const fs::path& p, std::size_t n) {
  std::ifstream in(p, std::ios::binary);
  std::string s(n, '\0');
  in.read(s.data(), static_cast<std::streamsize>(n));
  s.resize(static_cast<std::size_t>(in.gcount()));
  return s;
}

std::string escape_component(const std::string& s) {
  std::string out;
  for (char c : detail::url_path_escape(s)) out += c == '/' ? std::string("%2F") : std::string(1, c);
  return out;
}

void create_repo(const HttpClient& http, const RepoId& repo, bool private_repo) {
  HttpRequest r;
  r.method = "POST";
  r.url = http.settings().endpoint + "/api/repos/create";
  r.headers = {"Content-Type: application/json"};
  J body = {{"name", repo.name}, {"private", private_repo}, {"type", "model"}};
  if (!repo.org.empty()) body["organization"] = repo.org;
  r.body = body.dump();
  r.accept = {409};
  r.context = "create " + repo.str();
  const auto resp = http.send(r);
  if (resp.status == 409) spdlog::debug("{} exists already", repo.str());
  else spdlog::info("created the {} repo {}", private_repo ? "private" : "public", repo.str());
}

std::string current_commit(const HttpClient& http, const RepoId& repo, const std::string& revision) {
  HttpRequest r;
  r.url = http.settings().endpoint + "/api/models/" + repo.str() + "/revision/" + escape_component(revision);
  r.context = "head of " + repo.str();
  return parse_model_info(http.send(r).body, r.url).sha;
}

// The URL of rel="next" in a Link header (the tree listing is paginated), or "".
std::string next_page(const std::map<std::string, std::string>& headers) {
  auto it = headers.find("link");
  if (it == headers.end()) return "";
  const std::string& link = it->second;
  const auto rel = link.find("rel=\"next\"");
  if (rel == std::string::npos) return "";
  const auto open = link.rfind('<', rel), close = link.rfind('>', rel);
  if (open == std::string::npos || close == std::string::npos || close < open) return "";
  return link.substr(open + 1, close - open - 1);
}

std::vector<TreeEntry> tree(const HttpClient& http, const RepoId& repo, const std::string& revision) {
  HttpRequest r;
  r.url = http.settings().endpoint + "/api/models/" + repo.str() + "/tree/" + escape_component(revision) +
          "?recursive=true&expand=false";
  r.accept = {404};
  r.context = "file list of " + repo.str();
  std::vector<TreeEntry> out;
  for (int page = 0; page < 10000; ++page) {
    const auto resp = http.send(r);
    if (resp.status == 404) return {};  // a new repo has no revision yet
    auto entries = parse_tree(resp.body, r.url);
    out.insert(out.end(), std::make_move_iterator(entries.begin()), std::make_move_iterator(entries.end()));
    const std::string next = next_page(resp.headers);
    if (next.empty()) return out;
    // Pages stay on the Hub (the token goes to its origin only, whatever the header says).
    if (detail::origin_of(next) != detail::origin_of(http.settings().endpoint))
      throw Error("answer of " + r.url + ": the next page " + next + " is on another host");
    r.url = next;
  }
  throw Error("the file list of " + repo.str() + " has more than 10000 pages");
}

// Sends the LFS objects the server does not have yet; returns how many were sent.
std::size_t upload_lfs(const HttpClient& http, const RepoId& repo, const std::string& revision,
                       const std::vector<const LocalFile*>& files) {
  if (files.empty()) return 0;
  HttpRequest r;
  r.method = "POST";
  r.url = http.settings().endpoint + "/" + repo.str() + ".git/info/lfs/objects/batch";
  r.headers = {"Accept: application/vnd.git-lfs+json", "Content-Type: application/vnd.git-lfs+json"};
  J objects = J::array();
  std::map<std::string, const LocalFile*> by_oid;
  for (const auto* f : files) {
    objects.push_back({{"oid", f->digests.sha256}, {"size", f->digests.size}});
    by_oid[f->digests.sha256] = f;
  }
  r.body = J{{"operation", "upload"},
             {"transfers", {"basic"}},
             {"objects", objects},
             {"hash_algo", "sha256"},
             {"ref", {{"name", revision}}}}
               .dump();
  r.context = "LFS batch for " + repo.str();
  const auto batch = parse_lfs_batch(http.send(r).body, r.url);
  std::size_t sent = 0;
  for (const auto& o : batch) {
    auto it = by_oid.find(o.oid);
    if (it == by_oid.end()) throw Error("answer of " + r.url + " names an object that was not asked for: " + o.oid);
    if (o.error) throw Error("LFS batch refused " + it->second->path + ": " + *o.error);
    if (!o.upload) continue;  // the server has these bytes already
    HttpRequest put;
    put.method = "PUT";
    put.url = o.upload->href;
    put.body_file = it->second->file;
    for (const auto& [k, v] : o.upload->headers) put.headers.push_back(k + ": " + v);
    put.context = "LFS upload of " + it->second->path;
    http.send(put);
    ++sent;
    if (o.verify) {
      HttpRequest v;
      v.method = "POST";
      v.url = o.verify->href;
      v.headers = {"Content-Type: application/vnd.git-lfs+json"};
      for (const auto& [k, val] : o.verify->headers) v.headers.push_back(k + ": " + val);
      v.body = J{{"oid", o.oid}, {"size", o.size}}.dump();
      v.context = "LFS verify of " + it->second->path;
      http.send(v);
    }
  }
  return sent;
}

}  // namespace

std::vector<TreeEntry> list_repo_files(const std::string& repo, const std::string& revision, const Settings& settings) {
  if (settings.offline) throw Error("listing " + repo + " needs the network; HF_HUB_OFFLINE=1");
  const HttpClient http(settings);
  return tree(http, parse_repo_id(repo), revision);
}

UploadResult upload_folder(const UploadRequest& request, const Settings& settings) {
  const RepoId repo = parse_repo_id(request.repo, "hub repo");
  check_repo_path(request.revision, "revision");
  if (settings.offline) throw Error("uploading to " + repo.str() + " needs the network; HF_HUB_OFFLINE=1");
  if (!settings.token) throw UsageError("uploading to " + repo.str() + " needs HF_TOKEN (a write token)");
  const auto files = local_files(request.folder);
  const HttpClient http(settings);
  create_repo(http, repo, request.private_repo);

  // Files whose content the revision has already (by git sha1, or sha256 for LFS files).
  std::map<std::string, TreeEntry> remote;
  for (auto& e : tree(http, repo, request.revision))
    if (e.type == "file") remote[e.path] = std::move(e);
  std::vector<const LocalFile*> changed;
  for (const auto& f : files) {
    auto it = remote.find(f.path);
    const bool same = it != remote.end() && (it->second.lfs_oid ? *it->second.lfs_oid == f.digests.sha256
                                                                : it->second.oid == f.digests.git_sha1);
    if (!same) changed.push_back(&f);
  }
  UploadResult result;
  result.unchanged = files.size() - changed.size();
  if (changed.empty()) {
    result.commit = current_commit(http, repo, request.revision);
    spdlog::info("{}: all {} files are already at {} ({}); no new commit", request.folder.string(), files.size(),
                 repo.str(), result.commit.substr(0, 12));
    return result;
  }

  HttpRequest pre;
  pre.method = "POST";
  pre.url = settings.endpoint + "/api/models/" + repo.str() + "/preupload/" + escape_component(request.revision);
  pre.headers = {"Content-Type: application/json"};
  J list = J::array();
  for (const auto* f : changed)
    list.push_back({{"path", f->path}, {"sample", base64_encode(read_head(f->file, 512))}, {"size", f->digests.size}});
  pre.body = J{{"files", list}}.dump();
  pre.context = "upload modes for " + repo.str();
  std::map<std::string, PreuploadMode> modes;
  for (auto& m : parse_preupload(http.send(pre).body, pre.url)) modes[m.path] = m;

  std::vector<const LocalFile*> lfs, regular;
  for (const auto* f : changed) {
    auto it = modes.find(f->path);
    if (it == modes.end()) throw Error("answer of " + pre.url + " has no upload mode for " + f->path);
    if (it->second.should_ignore) {
      spdlog::warn("{}: the Hub ignores this file (.gitignore); not uploaded", f->path);
      continue;
    }
    (it->second.lfs ? lfs : regular).push_back(f);
  }
  result.lfs_uploaded = upload_lfs(http, repo, request.revision, lfs);

  std::string ndjson;
  const std::string summary =
      request.message.empty() ? "Upload " + request.folder.filename().string() : request.message;
  ndjson += J{{"key", "header"}, {"value", {{"summary", summary}, {"description", ""}}}}.dump() + "\n";
  for (const auto* f : regular)
    ndjson +=
        J{{"key", "file"},
          {"value", {{"content", base64_encode(files::read_text(f->file))}, {"path", f->path}, {"encoding", "base64"}}}}
            .dump() +
        "\n";
  for (const auto* f : lfs)
    ndjson +=
        J{{"key", "lfsFile"},
          {"value", {{"path", f->path}, {"algo", "sha256"}, {"oid", f->digests.sha256}, {"size", f->digests.size}}}}
            .dump() +
        "\n";
  HttpRequest commit;
  commit.method = "POST";
  commit.url = settings.endpoint + "/api/models/" + repo.str() + "/commit/" + escape_component(request.revision);
  commit.headers = {"Content-Type: application/x-ndjson"};
  commit.body = std::move(ndjson);
  commit.context = "commit to " + repo.str();
  const CommitInfo info = parse_commit(http.send(commit).body, commit.url);
  result.commit = info.commit_oid;
  result.committed = true;
  result.changed = regular.size() + lfs.size();
  spdlog::info("{} -> {}: commit {} ({} files, {} through LFS, {} unchanged)", request.folder.string(), repo.str(),
               info.commit_oid.substr(0, 12), result.changed, lfs.size(), result.unchanged);
  return result;
}

}  // namespace sl::hub
