#include "json_reading.hpp"
#include "sl/hub/api_parse.hpp"

namespace sl::hub {

CommitInfo parse_commit(std::string_view body, const std::string& where) {
  using namespace detail;
  const J j = parse_body(body, where);
  CommitInfo c;
  c.commit_oid = string_at(j, "commitOid", where, "$");
  c.commit_url = optional_string(j, "commitUrl", where, "$").value_or("");
  return c;
}

}  // namespace sl::hub
