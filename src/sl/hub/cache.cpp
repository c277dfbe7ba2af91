#include "sl/hub/cache.hpp"

#include <fstream>

#include "sl/core/error.hpp"
#include "sl/core/files.hpp"

namespace sl::hub {

namespace fs = std::filesystem;

RepoCache::RepoCache(fs::path cache_dir, RepoId repo)
    : folder_(cache_dir / cache_folder_name(repo)), locks_(cache_dir / ".locks" / cache_folder_name(repo)) {}

fs::path RepoCache::lock_file(const std::string& etag) const {
  return locks_ / (blob(etag).filename().string() + ".lock");
}

fs::path RepoCache::blob(const std::string& etag) const {
  check_repo_path(etag, "ETag");
  if (etag.find('/') != std::string::npos) throw Error("ETag \"" + etag + "\" contains '/'");
  return folder_ / "blobs" / etag;
}

fs::path RepoCache::incomplete_blob(const std::string& etag) const { return blob(etag).string() + ".incomplete"; }

fs::path RepoCache::snapshot(const std::string& commit) const {
  if (!is_commit_hash(commit)) throw Error("\"" + commit + "\" is not a commit hash");
  return folder_ / "snapshots" / commit;
}

fs::path RepoCache::ref(const std::string& revision) const {
  check_repo_path(revision, "revision");
  return folder_ / "refs" / revision;
}

std::optional<std::string> RepoCache::commit_of(const std::string& revision) const {
  if (is_commit_hash(revision)) return revision;
  std::ifstream in(ref(revision));
  std::string commit;
  if (!in || !std::getline(in, commit)) return std::nullopt;
  while (!commit.empty() && (commit.back() == '\r' || commit.back() == ' ')) commit.pop_back();
  if (!is_commit_hash(commit)) return std::nullopt;
  return commit;
}

void RepoCache::write_ref(const std::string& revision, const std::string& commit) const {
  if (revision == commit) return;
  const fs::path p = ref(revision);
  fs::create_directories(p.parent_path());
  files::write_atomic(p, commit);
}

void RepoCache::link(const std::string& commit, const std::string& path, const std::string& etag) const {
  check_repo_path(path, "file name");
  const fs::path target_blob = blob(etag);
  const fs::path where = snapshot(commit) / path;
  fs::create_directories(where.parent_path());
  // Lexically, as huggingface_hub does: "../../" out of snapshots/<commit>, one more "../" per
  // folder of the file path, then blobs/<etag> (never through a resolved, absolute path).
  fs::path relative = "../..";
  for (char c : path)
    if (c == '/') relative /= "..";
  relative = relative / "blobs" / target_blob.filename();
  std::error_code ec;
  if (fs::is_symlink(where, ec) && fs::read_symlink(where, ec) == relative) return;
  const fs::path temp = where.string() + ".link-tmp";
  fs::remove(temp, ec);
  fs::create_symlink(relative, temp);
  fs::rename(temp, where);
}

void RepoCache::store_blob(const fs::path& finished, const std::string& etag) const {
  const fs::path to = blob(etag);
  fs::create_directories(to.parent_path());
  fs::rename(finished, to);
}

std::string normalize_etag(const std::string& header) {
  std::string e = header;
  if (e.rfind("W/", 0) == 0) e.erase(0, 2);
  if (e.size() >= 2 && e.front() == '"' && e.back() == '"') e = e.substr(1, e.size() - 2);
  return e;
}

}  // namespace sl::hub
