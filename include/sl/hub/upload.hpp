// Uploads a folder as one commit, as huggingface_hub's upload_folder does:
//   POST /api/repos/create                          (409 = it exists: fine)
//   GET  /api/models/{repo}/tree/{rev}?recursive=1  remote oids: unchanged files are left out,
//                                                   and nothing changed = no commit at all
//   POST /api/models/{repo}/preupload/{rev}         which files go through LFS
//   POST /{repo}.git/info/lfs/objects/batch         LFS upload URLs (none for known objects)
//   PUT  <href>, POST <verify href>                 the LFS bytes, outside the git history
//   POST /api/models/{repo}/commit/{rev}            NDJSON: header, small files inline
//                                                   (base64), LFS files by sha256 pointer
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "sl/hub/api_types.hpp"
#include "sl/hub/settings.hpp"

namespace sl::hub {

struct UploadRequest {
  std::string repo;  // ORG/NAME
  std::filesystem::path folder;
  std::string revision = "main";
  bool private_repo = true;  // only used when the repo is created
  std::string message;       // commit summary (default: "Upload <folder name>")
};

struct UploadResult {
  std::string commit;  // the new commit, or the current one when nothing changed
  bool committed = false;
  std::size_t changed = 0;       // files in the commit
  std::size_t unchanged = 0;     // files the repo already had with the same content
  std::size_t lfs_uploaded = 0;  // LFS objects whose bytes were sent
};

// Needs HF_TOKEN (a UsageError otherwise). Refuses names that could not round-trip (see
// check_repo_path) and hidden files are skipped.
UploadResult upload_folder(const UploadRequest& request, const Settings& settings);

// The files of a revision (recursive); an empty list for a repo without commits.
std::vector<TreeEntry> list_repo_files(const std::string& repo, const std::string& revision, const Settings& settings);

// Standard base64 (RFC 4648, with padding).
std::string base64_encode(std::string_view bytes);

}  // namespace sl::hub
