// Names that come from users and from the Hub, checked before they touch the file system.
//
// A repo id is "ORG/NAME" (or "NAME"); a file name inside a repo ("rfilename") and a revision
// are relative paths of "/"-separated segments. Every name the server sends is untrusted: it is
// accepted only if it cannot leave the folder it is joined to (no absolute path, no "..", no
// backslash, no empty segment, no control character).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace sl::hub {

struct RepoId {
  std::string org;  // empty for a bare "NAME"
  std::string name;
  std::string str() const { return org.empty() ? name : org + "/" + name; }
};

// Parses "ORG/NAME"; a UsageError names `what` (e.g. "model id") and the bad value otherwise.
RepoId parse_repo_id(std::string_view id, std::string_view what = "repo id");

// True when `id` has the shape of a hub id (ORG/NAME or NAME with allowed characters).
bool looks_like_repo_id(std::string_view id);

// Empty when `path` is a safe relative path inside a repo; otherwise why it is not.
std::string unsafe_path_reason(std::string_view path);

// Throws sl::Error "<what> \"<path>\" <reason>" unless the path is safe.
void check_repo_path(std::string_view path, std::string_view what);

// The cache folder name of a model repo: "models--ORG--NAME".
std::string cache_folder_name(const RepoId& repo);

// A commit id: exactly 40 lowercase hex digits.
bool is_commit_hash(std::string_view s);

}  // namespace sl::hub
