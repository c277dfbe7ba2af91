#include "json_reading.hpp"
#include "sl/hub/api_parse.hpp"
#include "sl/hub/repo_paths.hpp"

namespace sl::hub {

std::vector<TreeEntry> parse_tree(std::string_view body, const std::string& where) {
  using namespace detail;
  const J j = parse_body(body, where);
  if (!j.is_array()) bad(where, "$", "is not an array");
  std::vector<TreeEntry> out;
  for (std::size_t i = 0; i < j.size(); ++i) {
    const std::string path = "$[" + std::to_string(i) + "]";
    TreeEntry e;
    e.type = string_at(j[i], "type", where, path);
    e.path = string_at(j[i], "path", where, path);
    check_repo_path(e.path, "the server's file name");
    e.oid = optional_string(j[i], "oid", where, path).value_or("");
    e.size = optional_size(j[i], "size", where, path).value_or(0);
    auto lfs = j[i].find("lfs");
    if (lfs != j[i].end() && !lfs->is_null()) {
      e.lfs_oid = string_at(*lfs, "oid", where, path + ".lfs");
      e.lfs_size = optional_size(*lfs, "size", where, path + ".lfs");
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace sl::hub
