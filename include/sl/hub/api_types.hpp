// What the Hub's JSON answers carry, as far as this client uses them. Plain data; the parsers
// are in api_parse.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sl::hub {

// One file of GET /api/models/{repo}/revision/{rev} ("siblings").
struct Sibling {
  std::string rfilename;              // checked with check_repo_path
  std::optional<std::uint64_t> size;  // only with ?blobs=true
};

struct ModelInfo {
  std::string id;
  std::string sha;  // the commit the revision points at (40 hex)
  bool is_private = false;
  std::vector<Sibling> siblings;
};

// One entry of GET /api/models/{repo}/tree/{rev}?recursive=true.
struct TreeEntry {
  std::string type;  // "file" or "directory"
  std::string path;
  std::string oid;  // git blob sha1 (files) or tree sha1
  std::uint64_t size = 0;
  std::optional<std::string> lfs_oid;  // sha256 of an LFS file
  std::optional<std::uint64_t> lfs_size;
};

// One file of POST /api/models/{repo}/preupload/{rev}.
struct PreuploadMode {
  std::string path;
  bool lfs = false;  // "uploadMode": "lfs" (else "regular")
  bool should_ignore = false;
  std::optional<std::string> oid;  // the remote file's oid when it exists
};

// One object of POST /{repo}.git/info/lfs/objects/batch (operation "upload").
struct LfsAction {
  std::string href;
  std::vector<std::pair<std::string, std::string>> headers;
};
struct LfsBatchObject {
  std::string oid;
  std::uint64_t size = 0;
  std::optional<LfsAction> upload;  // absent: the server has the object already
  std::optional<LfsAction> verify;
  std::optional<std::string> error;  // "code: message" of a per-object error
};

// POST /api/models/{repo}/commit/{rev}.
struct CommitInfo {
  std::string commit_oid;
  std::string commit_url;
};

}  // namespace sl::hub
