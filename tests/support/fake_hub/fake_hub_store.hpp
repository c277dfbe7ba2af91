// The fake hub's state: repos (files by path, a linear history of commit ids), the LFS object
// store, and counters that tests read back through GET /fake/stats.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "sl/core/json.hpp"

namespace sl::test::fake_hub {

struct RepoFile {
  std::string content;
  bool lfs = false;  // served with X-Linked-Etag = sha256 and redirected to the CDN port
  std::string git_sha1;
  std::string sha256;
};

struct Repo {
  bool is_private = false;
  std::vector<std::string> commits;  // oldest first; empty: created, nothing committed
  std::map<std::string, RepoFile> files;
};

// Files the fake treats as LFS: binary weights, or anything over 64 kB (the real Hub decides by
// .gitattributes; this rule only has to give tests both kinds).
bool is_lfs_path(const std::string& path, std::size_t size);

class Store {
 public:
  std::mutex mu;
  std::map<std::string, Repo> repos;               // "ORG/NAME"
  std::map<std::string, std::string> lfs_objects;  // sha256 -> bytes
  std::map<std::string, std::int64_t> requests;    // route -> count
  std::int64_t range_requests = 0;
  std::int64_t auth_seen_on_cdn = 0;  // Authorization headers that reached the CDN port
  std::int64_t lfs_puts = 0;

  // Loads FOLDER as the first commit of REPO.
  void add_repo_from_folder(const std::string& repo, const std::filesystem::path& folder, bool is_private);
  // Applies files to a repo as one new commit; returns its id.
  std::string commit(Repo& repo, const std::map<std::string, std::string>& files);
  Json stats();
};

}  // namespace sl::test::fake_hub
