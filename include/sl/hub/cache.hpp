// The Hugging Face cache layout, as huggingface_hub writes it, so that Python tools and this
// toolkit share one cache:
//
//   <cache>/models--ORG--NAME/
//     blobs/<etag>                        file contents, named by ETag (sha256 for LFS files,
//                                         git blob sha1 otherwise); <etag>.incomplete while
//                                         a download is under way
//     snapshots/<commit>/<file path>      relative symlinks to ../../blobs/<etag> (one more
//                                         "../" per folder level of the file path)
//     refs/<revision>                     the commit a branch or tag name points at (no newline)
//   <cache>/.locks/models--ORG--NAME/<etag>.lock   held while a blob is being downloaded
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "sl/hub/repo_paths.hpp"

namespace sl::hub {

class RepoCache {
 public:
  RepoCache(std::filesystem::path cache_dir, RepoId repo);

  const std::filesystem::path& folder() const { return folder_; }
  std::filesystem::path blob(const std::string& etag) const;
  std::filesystem::path incomplete_blob(const std::string& etag) const;
  std::filesystem::path snapshot(const std::string& commit) const;
  std::filesystem::path ref(const std::string& revision) const;
  std::filesystem::path lock_file(const std::string& etag) const;

  // The commit refs/<revision> holds, if any (a commit hash is its own answer).
  std::optional<std::string> commit_of(const std::string& revision) const;
  // Writes refs/<revision> = commit (atomically; nothing for a revision that is the commit).
  void write_ref(const std::string& revision, const std::string& commit) const;
  // snapshots/<commit>/<path> -> the relative path to blobs/<etag>, replacing what is there.
  void link(const std::string& commit, const std::string& path, const std::string& etag) const;
  // Moves a finished download into blobs/<etag>.
  void store_blob(const std::filesystem::path& finished, const std::string& etag) const;

 private:
  std::filesystem::path folder_;
  std::filesystem::path locks_;
};

// Normalises an ETag header: drops a weak "W/" prefix and the quotes. Empty when absent.
std::string normalize_etag(const std::string& header);

}  // namespace sl::hub
