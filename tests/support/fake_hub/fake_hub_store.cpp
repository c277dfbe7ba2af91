#include "fake_hub_store.hpp"

#include <fstream>
#include <sstream>

#include "sl/hub/digest.hpp"

namespace sl::test::fake_hub {

namespace fs = std::filesystem;

bool is_lfs_path(const std::string& path, std::size_t size) {
  auto ends = [&](const std::string& suffix) {
    return path.size() >= suffix.size() && path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  return ends(".safetensors") || ends(".bin") || ends(".pt") || size > 64 * 1024;
}

void Store::add_repo_from_folder(const std::string& repo, const fs::path& folder, bool is_private) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(folder)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    files[fs::relative(e.path(), folder).generic_string()] = ss.str();
  }
  Repo& r = repos[repo];
  r.is_private = is_private;
  commit(r, files);
}

std::string Store::commit(Repo& repo, const std::map<std::string, std::string>& files) {
  for (const auto& [path, content] : files) {
    RepoFile f;
    f.content = content;
    f.lfs = is_lfs_path(path, content.size());
    f.git_sha1 = hub::git_blob_sha1_hex(content);
    f.sha256 = hub::sha256_hex(content);
    repo.files[path] = std::move(f);
  }
  // A commit id that depends on the parent and the tree, like git's (not git's exact bytes).
  std::string tree = repo.commits.empty() ? "" : repo.commits.back();
  for (const auto& [path, f] : repo.files) tree += "\n" + path + " " + f.git_sha1;
  repo.commits.push_back(hub::git_blob_sha1_hex(tree));
  return repo.commits.back();
}

Json Store::stats() {
  Json out;
  out["requests"] = requests;
  out["range_requests"] = range_requests;
  out["auth_seen_on_cdn"] = auth_seen_on_cdn;
  out["lfs_puts"] = lfs_puts;
  Json commits = Json::object();
  for (const auto& [name, r] : repos) commits[name] = r.commits.size();
  out["commits"] = commits;
  Json priv = Json::object();
  for (const auto& [name, r] : repos) priv[name] = r.is_private;
  out["private"] = priv;
  return out;
}

}  // namespace sl::test::fake_hub
