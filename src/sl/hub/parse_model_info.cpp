#include "json_reading.hpp"
#include "sl/hub/api_parse.hpp"
#include "sl/hub/repo_paths.hpp"

namespace sl::hub {

ModelInfo parse_model_info(std::string_view body, const std::string& where) {
  using namespace detail;
  const J j = parse_body(body, where);
  if (!j.is_object()) bad(where, "$", "is not an object");
  ModelInfo info;
  info.id = optional_string(j, "id", where, "$").value_or("");
  info.sha = string_at(j, "sha", where, "$");
  if (!is_commit_hash(info.sha)) bad(where, "$.sha", "is not a 40-digit commit hash");
  if (auto it = j.find("private"); it != j.end() && it->is_boolean()) info.is_private = it->get<bool>();
  auto it = j.find("siblings");
  if (it != j.end() && !it->is_null()) {
    if (!it->is_array()) bad(where, "$.siblings", "is not an array");
    for (std::size_t i = 0; i < it->size(); ++i) {
      const std::string path = "$.siblings[" + std::to_string(i) + "]";
      Sibling s;
      s.rfilename = string_at((*it)[i], "rfilename", where, path);
      check_repo_path(s.rfilename, "the server's file name");
      s.size = optional_size((*it)[i], "size", where, path);
      info.siblings.push_back(std::move(s));
    }
  }
  return info;
}

std::string error_message_of(std::string_view body) {
  const auto j = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
  if (j.is_object()) {
    for (const char* key : {"error", "message"}) {
      auto it = j.find(key);
      if (it != j.end() && it->is_string()) return it->get<std::string>();
    }
  }
  std::string line;
  for (char c : body) {
    if (c == '\n' || c == '\r') c = ' ';
    if (static_cast<unsigned char>(c) >= 0x20) line += c;
    if (line.size() >= 200) {
      line += "...";
      break;
    }
  }
  return line;
}

}  // namespace sl::hub
