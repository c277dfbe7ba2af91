// fake_hub_server: the part of the Hugging Face Hub's HTTP API that sl::hub uses, on two
// loopback ports (the Hub, and a second "CDN" host that large files are redirected to and LFS
// uploads go to), with faults chosen per route for the integration tests. Test program only.
#include <httplib.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>

#include "fake_hub_store.hpp"
#include "sl/core/cli.hpp"
#include "sl/core/error.hpp"
#include "sl/hub/digest.hpp"

namespace {

using sl::test::fake_hub::Repo;
using sl::test::fake_hub::Store;
using J = nlohmann::json;

// A fault: KIND on requests of ROUTE (optionally only for one file), the first COUNT times.
struct Fault {
  std::string kind;    // 401 403 404 429 500 502 503 cut badsum evilname
  std::string route;   // info resolve cdn tree create preupload batch lfs verify commit, or *
  std::string file;    // for resolve / cdn: only this file ("" = any)
  int remaining = -1;  // -1: always
};

Fault parse_fault(const std::string& spec) {
  // KIND:ROUTE[/FILE][:COUNT]
  Fault f;
  const auto a = spec.find(':');
  if (a == std::string::npos) throw sl::UsageError("--fault " + spec + ": expected KIND:ROUTE[/FILE][:COUNT]");
  f.kind = spec.substr(0, a);
  std::string rest = spec.substr(a + 1);
  const auto b = rest.rfind(':');
  if (b != std::string::npos) {
    f.remaining = std::stoi(rest.substr(b + 1));
    rest = rest.substr(0, b);
  }
  const auto slash = rest.find('/');
  f.route = rest.substr(0, slash);
  if (slash != std::string::npos) f.file = rest.substr(slash + 1);
  static const std::vector<std::string> kinds{"401", "403", "404", "429",    "500",
                                              "502", "503", "cut", "badsum", "evilname"};
  if (std::find(kinds.begin(), kinds.end(), f.kind) == kinds.end())
    throw sl::UsageError("--fault " + spec + ": unknown kind");
  return f;
}

struct Server {
  Store store;
  std::vector<Fault> faults;
  std::string token;
  bool redirect_to_cdn = true;
  std::size_t tree_page_size = 1000;
  std::string hub_url, cdn_url;
  httplib::Server hub, cdn;

  // The fault to apply to this request, consuming one use.
  std::optional<std::string> fault_for(const std::string& route, const std::string& file = "") {
    std::lock_guard<std::mutex> lock(store.mu);
    ++store.requests[route];
    for (auto& f : faults) {
      if ((f.route != route && f.route != "*") || (!f.file.empty() && f.file != file) || f.remaining == 0) continue;
      if (f.remaining > 0) --f.remaining;
      return f.kind;
    }
    return std::nullopt;
  }

  static void error(httplib::Response& res, int status, const std::string& message) {
    res.status = status;
    res.set_header("X-Error-Message", message);
    res.set_content(J{{"error", message}}.dump(), "application/json");
  }

  // Answers a status fault; true when the request was answered.
  static bool apply_status_fault(const std::optional<std::string>& kind, const std::string& repo,
                                 httplib::Response& res) {
    if (!kind) return false;
    if (*kind == "401") {
      error(res, 401, "Access to model " + repo + " is restricted. You must be authenticated to access it.");
    } else if (*kind == "403") {
      error(res, 403, "Access to model " + repo + " is restricted and you are not in the authorized list.");
    } else if (*kind == "404") {
      error(res, 404, "Repository Not Found for url: " + repo);
    } else if (*kind == "429") {
      res.set_header("Retry-After", "1");
      error(res, 429, "You have been rate-limited; retry later.");
    } else if (kind->size() == 3 && (*kind)[0] == '5') {
      error(res, std::stoi(*kind), "Internal Error - We're working hard to fix this as soon as possible!");
    } else {
      return false;
    }
    return true;
  }

  bool authorized(const httplib::Request& req) const {
    return !token.empty() && req.get_header_value("Authorization") == "Bearer " + token;
  }

  // The repo named by the first two captures, with read access checked; null after answering.
  Repo* readable(const httplib::Request& req, httplib::Response& res, const std::string& name) {
    auto it = store.repos.find(name);
    if (it == store.repos.end()) {
      error(res, 404, "Repository Not Found for url: " + name);
      return nullptr;
    }
    if (it->second.is_private && !authorized(req)) {
      error(res, 401, "Repository " + name + " is private: a token with access is needed.");
      return nullptr;
    }
    return &it->second;
  }

  void serve_bytes(httplib::Response& res, std::string content, const std::optional<std::string>& kind) {
    if (kind && *kind == "badsum" && !content.empty()) content[content.size() / 2] ^= 0x5a;
    const bool cut = kind && *kind == "cut";
    auto data = std::make_shared<std::string>(std::move(content));
    res.set_content_provider(data->size(), "application/octet-stream",
                             [data, cut](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
                               if (cut && offset < data->size() / 2) {
                                 // Half the file, then the connection drops.
                                 const std::size_t half = data->size() / 2 - offset;
                                 sink.write(data->data() + offset, std::min(half, length));
                                 return false;
                               }
                               sink.write(data->data() + offset, std::min<std::size_t>(length, 1 << 16));
                               return true;
                             });
  }

  void add_routes();
};

std::string base64_decode(const std::string& in) {
  std::string out;
  int val = 0, bits = -8;
  for (unsigned char c : in) {
    int d;
    if (c >= 'A' && c <= 'Z') d = c - 'A';
    else if (c >= 'a' && c <= 'z') d = c - 'a' + 26;
    else if (c >= '0' && c <= '9') d = c - '0' + 52;
    else if (c == '+') d = 62;
    else if (c == '/') d = 63;
    else if (c == '=') break;
    else throw std::runtime_error("bad base64");
    val = (val << 6) | d;
    bits += 6;
    if (bits >= 0) {
      out += static_cast<char>((val >> bits) & 0xff);
      bits -= 8;
    }
  }
  return out;
}

void Server::add_routes() {
  const std::string repo_re = R"(([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+))";

  hub.Get("/api/models/" + repo_re + "/revision/(.+)", [this](const httplib::Request& req, httplib::Response& res) {
    const std::string name = std::string(req.matches[1]) + "/" + std::string(req.matches[2]);
    const auto kind = fault_for("info");
    if (apply_status_fault(kind, name, res)) return;
    std::lock_guard<std::mutex> lock(store.mu);
    Repo* repo = readable(req, res, name);
    if (!repo) return;
    if (repo->commits.empty()) return error(res, 404, "Revision Not Found for url: " + name);
    J siblings = J::array();
    for (const auto& [path, f] : repo->files) siblings.push_back({{"rfilename", path}});
    if (kind == "evilname") siblings.push_back({{"rfilename", "../../escaped.json"}});
    res.set_content(
        J{{"id", name}, {"sha", repo->commits.back()}, {"private", repo->is_private}, {"siblings", siblings}}.dump(),
        "application/json");
  });

  hub.Get("/" + repo_re + "/resolve/([^/]+)/(.+)", [this](const httplib::Request& req, httplib::Response& res) {
    const std::string name = std::string(req.matches[1]) + "/" + std::string(req.matches[2]);
    const std::string rev = req.matches[3], path = req.matches[4];
    const auto kind = fault_for("resolve", path);
    if (apply_status_fault(kind, name, res)) return;
    std::unique_lock<std::mutex> lock(store.mu);
    if (req.has_header("Range")) ++store.range_requests;
    Repo* repo = readable(req, res, name);
    if (!repo) return;
    if (repo->commits.empty() || (rev != "main" && rev != repo->commits.back()))
      return error(res, 404, "Revision Not Found for url: " + name + "@" + rev);
    auto it = repo->files.find(path);
    if (it == repo->files.end()) return error(res, 404, "Entry Not Found for url: " + name + "/" + path);
    const auto& f = it->second;
    res.set_header("X-Repo-Commit", repo->commits.back());
    if (f.lfs && redirect_to_cdn) {
      res.set_header("X-Linked-Etag", "\"" + f.sha256 + "\"");
      res.set_header("X-Linked-Size", std::to_string(f.content.size()));
      res.set_header("ETag", "\"" + f.git_sha1 + "\"");
      res.set_redirect(cdn_url + "/cdn/" + name + "/" + repo->commits.back() + "/" + path, 302);
      return;
    }
    res.set_header("ETag", "\"" + (f.lfs ? f.sha256 : f.git_sha1) + "\"");
    std::string content = f.content;
    lock.unlock();
    serve_bytes(res, std::move(content), kind);
  });

  cdn.Get("/cdn/" + repo_re + "/([^/]+)/(.+)", [this](const httplib::Request& req, httplib::Response& res) {
    const std::string name = std::string(req.matches[1]) + "/" + std::string(req.matches[2]);
    const std::string commit = req.matches[3], path = req.matches[4];
    const auto kind = fault_for("cdn", path);
    if (apply_status_fault(kind, name, res)) return;
    std::unique_lock<std::mutex> lock(store.mu);
    if (req.has_header("Authorization")) ++store.auth_seen_on_cdn;
    if (req.has_header("Range")) ++store.range_requests;
    auto r = store.repos.find(name);
    if (r == store.repos.end() || r->second.commits.empty() || r->second.commits.back() != commit)
      return error(res, 404, "no such object");
    auto it = r->second.files.find(path);
    if (it == r->second.files.end()) return error(res, 404, "no such object");
    std::string content = it->second.content;
    lock.unlock();
    serve_bytes(res, std::move(content), kind);
  });

  hub.Get("/api/models/" + repo_re + "/tree/([^/?]+)", [this](const httplib::Request& req, httplib::Response& res) {
    const std::string name = std::string(req.matches[1]) + "/" + std::string(req.matches[2]);
    if (apply_status_fault(fault_for("tree"), name, res)) return;
    std::lock_guard<std::mutex> lock(store.mu);
    Repo* repo = readable(req, res, name);
    if (!repo) return;
    if (repo->commits.empty()) return error(res, 404, "Revision Not Found for url: " + name);
    // Pages of tree_page_size entries, the next one named by a Link header (as the Hub does).
    const std::size_t first = req.has_param("cursor") ? std::stoul(req.get_param_value("cursor")) : 0;
    J out = J::array();
    std::size_t i = 0;
    for (const auto& [path, f] : repo->files) {
      if (i++ < first) continue;
      if (out.size() == tree_page_size) {
        res.set_header("Link", "<" + hub_url + req.path + "?recursive=true&expand=false&cursor=" +
                                   std::to_string(first + out.size()) + ">; rel=\"next\"");
        break;
      }
      J e = {{"type", "file"}, {"oid", f.git_sha1}, {"size", f.content.size()}, {"path", path}};
      if (f.lfs) e["lfs"] = {{"oid", f.sha256}, {"size", f.content.size()}, {"pointerSize", 134}};
      out.push_back(e);
    }
    res.set_content(out.dump(), "application/json");
  });

  hub.Post("/api/repos/create", [this](const httplib::Request& req, httplib::Response& res) {
    if (apply_status_fault(fault_for("create"), "", res)) return;
    if (!authorized(req)) return error(res, 401, "Invalid credentials in Authorization header");
    const J body = J::parse(req.body, nullptr, false);
    if (!body.is_object() || !body.contains("name")) return error(res, 400, "name is required");
    const std::string org = body.value("organization", std::string("user"));
    const std::string name = org + "/" + body["name"].get<std::string>();
    std::lock_guard<std::mutex> lock(store.mu);
    if (store.repos.count(name)) return error(res, 409, "You already created this model repo");
    store.repos[name].is_private = body.value("private", false);
    res.set_content(J{{"url", hub_url + "/" + name}, {"name", name}}.dump(), "application/json");
  });

  hub.Post("/api/models/" + repo_re + "/preupload/([^/]+)", [this](const httplib::Request& req,
                                                                   httplib::Response& res) {
    const std::string name = std::string(req.matches[1]) + "/" + std::string(req.matches[2]);
    if (apply_status_fault(fault_for("preupload"), name, res)) return;
    if (!authorized(req)) return error(res, 401, "Invalid credentials in Authorization header");
    const J body = J::parse(req.body, nullptr, false);
    if (!body.is_object() || !body.contains("files")) return error(res, 400, "files is required");
    J out = J::array();
    for (const auto& f : body["files"]) {
      const std::string path = f.at("path");
      out.push_back(
          {{"path", path},
           {"uploadMode", sl::test::fake_hub::is_lfs_path(path, f.at("size").get<std::size_t>()) ? "lfs" : "regular"},
           {"shouldIgnore", false}});
    }
    res.set_content(J{{"files", out}}.dump(), "application/json");
  });

  hub.Post("/" + repo_re + R"(\.git/info/lfs/objects/batch)",
           [this](const httplib::Request& req, httplib::Response& res) {
             const std::string name = std::string(req.matches[1]) + "/" + std::string(req.matches[2]);
             if (apply_status_fault(fault_for("batch"), name, res)) return;
             if (!authorized(req)) return error(res, 401, "Invalid credentials in Authorization header");
             const J body = J::parse(req.body, nullptr, false);
             if (!body.is_object() || body.value("operation", "") != "upload")
               return error(res, 422, "operation must be upload");
             std::lock_guard<std::mutex> lock(store.mu);
             J objects = J::array();
             for (const auto& o : body.at("objects")) {
               const std::string oid = o.at("oid");
               J entry = {{"oid", oid}, {"size", o.at("size")}};
               if (!store.lfs_objects.count(oid))
                 entry["actions"] = {{"upload",
                                      {{"href", cdn_url + "/lfs-upload/" + oid},
                                       {"header", {{"X-Upload-Ticket", "ticket-" + oid.substr(0, 8)}}}}},
                                     {"verify", {{"href", hub_url + "/api/lfs-verify/" + oid}}}};
               objects.push_back(entry);
             }
             res.set_content(J{{"transfer", "basic"}, {"objects", objects}}.dump(), "application/vnd.git-lfs+json");
           });

  cdn.Put("/lfs-upload/([0-9a-f]{64})", [this](const httplib::Request& req, httplib::Response& res) {
    const std::string oid = req.matches[1];
    if (apply_status_fault(fault_for("lfs"), "", res)) return;
    std::lock_guard<std::mutex> lock(store.mu);
    if (req.has_header("Authorization")) ++store.auth_seen_on_cdn;
    if (req.get_header_value("X-Upload-Ticket") != "ticket-" + oid.substr(0, 8))
      return error(res, 403, "bad upload ticket");
    if (sl::hub::sha256_hex(req.body) != oid) return error(res, 400, "content does not match oid");
    store.lfs_objects[oid] = req.body;
    ++store.lfs_puts;
  });

  hub.Post("/api/lfs-verify/([0-9a-f]{64})", [this](const httplib::Request& req, httplib::Response& res) {
    if (apply_status_fault(fault_for("verify"), "", res)) return;
    std::lock_guard<std::mutex> lock(store.mu);
    if (!store.lfs_objects.count(req.matches[1])) return error(res, 404, "object not uploaded");
    res.set_content("{}", "application/json");
  });

  hub.Post("/api/models/" + repo_re + "/commit/([^/]+)", [this](const httplib::Request& req, httplib::Response& res) {
    const std::string name = std::string(req.matches[1]) + "/" + std::string(req.matches[2]);
    if (apply_status_fault(fault_for("commit"), name, res)) return;
    if (!authorized(req)) return error(res, 401, "Invalid credentials in Authorization header");
    if (req.get_header_value("Content-Type") != "application/x-ndjson")
      return error(res, 400, "expected application/x-ndjson");
    std::lock_guard<std::mutex> lock(store.mu);
    auto it = store.repos.find(name);
    if (it == store.repos.end()) return error(res, 404, "Repository Not Found for url: " + name);
    std::map<std::string, std::string> files;
    bool header = false;
    std::size_t start = 0;
    while (start < req.body.size()) {
      auto end = req.body.find('\n', start);
      if (end == std::string::npos) end = req.body.size();
      const std::string line = req.body.substr(start, end - start);
      start = end + 1;
      if (line.empty()) continue;
      const J j = J::parse(line, nullptr, false);
      if (!j.is_object()) return error(res, 400, "a line is not JSON");
      const std::string key = j.value("key", "");
      const J& v = j["value"];
      if (key == "header") {
        header = v.contains("summary");
      } else if (key == "file") {
        if (v.value("encoding", "") != "base64") return error(res, 400, "file without base64 encoding");
        files[v.at("path")] = base64_decode(v.at("content"));
      } else if (key == "lfsFile") {
        auto obj = store.lfs_objects.find(v.at("oid"));
        if (obj == store.lfs_objects.end())
          return error(res, 400, "LFS object not uploaded: " + v.at("path").get<std::string>());
        files[v.at("path")] = obj->second;
      } else {
        return error(res, 400, "unknown key " + key);
      }
    }
    if (!header) return error(res, 400, "the commit has no header line");
    const std::string oid = store.commit(it->second, files);
    res.set_content(J{{"commitUrl", hub_url + "/" + name + "/commit/" + oid}, {"commitOid", oid}}.dump(),
                    "application/json");
  });

  hub.Get("/fake/stats", [this](const httplib::Request&, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(store.mu);
    res.set_content(store.stats().dump(), "application/json");
  });
}

std::atomic<Server*> g_server{nullptr};

void on_signal(int) {
  if (Server* s = g_server.load()) {
    s->hub.stop();
    s->cdn.stop();
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Fake Hugging Face Hub for the sl::hub integration tests: model info, resolve (large files\n"
      "redirected to a second \"CDN\" port), tree, repo creation, preupload, LFS batch/upload/verify,\n"
      "NDJSON commits, GET /fake/stats; faults per route. Prints \"listening on HUB_URL cdn CDN_URL\".\n\n"
      "Example:\n"
      "  fake_hub_server --repo org/tiny=tests/data/tiny --token hf_test --fault 429:info:1 --fault cut:cdn:1\n"
      "  HF_ENDPOINT=http://127.0.0.1:PORT HF_TOKEN=hf_test sl_hub download org/tiny\n",
      "fake_hub_server"};
  std::vector<std::string> repos, private_repos, fault_specs;
  int port = 0, cdn_port = 0;
  bool no_cdn = false;
  Server server;
  app.add_option("--port", port, "Hub port (0: a free one)");
  app.add_option("--cdn-port", cdn_port, "Second host's port (0: a free one)");
  app.add_option("--repo", repos, "ORG/NAME=FOLDER: serve FOLDER's files as the repo's first commit");
  app.add_option("--private-repo", private_repos, "ORG/NAME=FOLDER: the same, private (needs the token)");
  app.add_option("--token", server.token, "The one valid token (writes need it)");
  app.add_option("--fault", fault_specs,
                 "KIND:ROUTE[/FILE][:COUNT]; KIND 401 403 404 429 500 502 503 cut badsum evilname; ROUTE info "
                 "resolve cdn tree create preupload batch lfs verify commit or *");
  app.add_option("--tree-page-size", server.tree_page_size, "Entries per page of the tree listing (Link: rel=next)")
      ->check(CLI::Range(1, 1000000));
  app.add_flag("--no-cdn", no_cdn, "Serve large files from /resolve directly instead of redirecting");
  sl::cli::add_logging_flags(app);
  return sl::cli::run(app, argc, argv, [&] {
    auto load = [&](const std::string& spec, bool is_private) {
      const auto eq = spec.find('=');
      if (eq == std::string::npos) throw sl::UsageError("--repo " + spec + ": expected ORG/NAME=FOLDER");
      server.store.add_repo_from_folder(spec.substr(0, eq), spec.substr(eq + 1), is_private);
    };
    for (const auto& r : repos) load(r, false);
    for (const auto& r : private_repos) load(r, true);
    for (const auto& f : fault_specs) server.faults.push_back(parse_fault(f));
    server.redirect_to_cdn = !no_cdn;
    server.add_routes();
    const int hub_port =
        port ? (server.hub.bind_to_port("127.0.0.1", port) ? port : -1) : server.hub.bind_to_any_port("127.0.0.1");
    const int second = cdn_port ? (server.cdn.bind_to_port("127.0.0.1", cdn_port) ? cdn_port : -1)
                                : server.cdn.bind_to_any_port("127.0.0.1");
    if (hub_port < 0 || second < 0) throw sl::Error("cannot listen on 127.0.0.1");
    server.hub_url = "http://127.0.0.1:" + std::to_string(hub_port);
    server.cdn_url = "http://127.0.0.1:" + std::to_string(second);
    g_server = &server;
    ::signal(SIGINT, on_signal);
    ::signal(SIGTERM, on_signal);
    std::thread cdn_thread([&] { server.cdn.listen_after_bind(); });
    std::printf("listening on %s cdn %s\n", server.hub_url.c_str(), server.cdn_url.c_str());
    std::fflush(stdout);
    server.hub.listen_after_bind();
    server.cdn.stop();
    cdn_thread.join();
    return 0;
  });
}
