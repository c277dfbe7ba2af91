#include "sl/hub/repo_paths.hpp"

#include <cctype>

#include "sl/core/error.hpp"

namespace sl::hub {

namespace {

// The Hub's own rule for repo names: letters, digits, '-', '_', '.', not starting with '.'
// or '-', no "--" or ".." (which would clash with the cache's separator and with paths).
bool valid_name_part(std::string_view s) {
  if (s.empty() || s.size() > 96) return false;
  if (s.front() == '.' || s.front() == '-' || s.back() == '.') return false;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (!(std::isalnum(u) || c == '-' || c == '_' || c == '.')) return false;
  }
  return s.find("--") == std::string_view::npos && s.find("..") == std::string_view::npos;
}

}  // namespace

bool looks_like_repo_id(std::string_view id) {
  const auto slash = id.find('/');
  if (slash == std::string_view::npos) return valid_name_part(id);
  return valid_name_part(id.substr(0, slash)) && valid_name_part(id.substr(slash + 1));
}

RepoId parse_repo_id(std::string_view id, std::string_view what) {
  if (!looks_like_repo_id(id))
    throw UsageError(std::string(what) + " \"" + std::string(id) +
                     "\" is not a hub id (ORG/NAME of letters, digits, '-', '_', '.')");
  RepoId r;
  const auto slash = id.find('/');
  if (slash == std::string_view::npos) {
    r.name = std::string(id);
  } else {
    r.org = std::string(id.substr(0, slash));
    r.name = std::string(id.substr(slash + 1));
  }
  return r;
}

std::string unsafe_path_reason(std::string_view path) {
  if (path.empty()) return "is empty";
  if (path.size() > 4096) return "is longer than 4096 bytes";
  if (path.front() == '/') return "is absolute";
  for (char c : path) {
    if (c == '\\') return "contains a backslash";
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return "contains a control character";
  }
  std::size_t start = 0;
  while (true) {
    const auto end = path.find('/', start);
    const auto seg = path.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (seg.empty()) return "has an empty segment";
    if (seg == "..") return "has a \"..\" segment";
    if (seg == ".") return "has a \".\" segment";
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return {};
}

void check_repo_path(std::string_view path, std::string_view what) {
  const std::string why = unsafe_path_reason(path);
  if (!why.empty())
    throw Error(std::string(what) + " \"" + std::string(path) + "\" " + why +
                "; refusing a path that could leave the cache");
}

std::string cache_folder_name(const RepoId& repo) {
  return repo.org.empty() ? "models--" + repo.name : "models--" + repo.org + "--" + repo.name;
}

bool is_commit_hash(std::string_view s) {
  if (s.size() != 40) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c)) && (c < 'a' || c > 'f')) return false;
  return true;
}

}  // namespace sl::hub
