#include "json_reading.hpp"
#include "sl/hub/api_parse.hpp"
#include "sl/hub/repo_paths.hpp"

namespace sl::hub {

std::vector<PreuploadMode> parse_preupload(std::string_view body, const std::string& where) {
  using namespace detail;
  const J j = parse_body(body, where);
  const J& files = array_at(j, "files", where, "$");
  std::vector<PreuploadMode> out;
  for (std::size_t i = 0; i < files.size(); ++i) {
    const std::string path = "$.files[" + std::to_string(i) + "]";
    PreuploadMode m;
    m.path = string_at(files[i], "path", where, path);
    check_repo_path(m.path, "the server's file name");
    const std::string mode = string_at(files[i], "uploadMode", where, path);
    if (mode != "lfs" && mode != "regular") bad(where, path + ".uploadMode", "is neither \"lfs\" nor \"regular\"");
    m.lfs = mode == "lfs";
    if (auto it = files[i].find("shouldIgnore"); it != files[i].end() && it->is_boolean())
      m.should_ignore = it->get<bool>();
    m.oid = optional_string(files[i], "oid", where, path);
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace sl::hub
