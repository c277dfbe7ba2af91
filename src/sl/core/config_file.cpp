#include "sl/core/config_file.hpp"

#include "sl/core/files.hpp"

namespace sl::config {

Json load_raw(const std::filesystem::path& path, const std::string& name) {
  Json doc = json::parse(files::read_text(path), path.string());
  if (!doc.is_object())
    throw UsageError(path.string() + ": expected a JSON object whose keys name configurations, got " +
                     json::describe_value(doc));
  auto it = doc.find(name);
  if (it == doc.end()) {
    std::string names;
    for (auto i = doc.begin(); i != doc.end(); ++i) {
      if (!i.key().empty() && i.key()[0] == '_') continue;  // "_comment" and the like
      names += (names.empty() ? "" : ", ") + i.key();
    }
    throw UsageError(path.string() + ": no configuration named \"" + name +
                     "\" (available: " + (names.empty() ? "none" : names) + ")");
  }
  return *it;
}

Json load_value(const std::filesystem::path& path, const std::string& name, const std::string& dotted_path) {
  Json value = load_raw(path, name);
  if (dotted_path.empty()) return value;
  std::string walked = name;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = dotted_path.find('.', start);
    const std::string part = dotted_path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    const std::string here = path.string() + ": " + walked;
    if (part.empty()) throw UsageError(here + ": empty key in \"" + dotted_path + "\"");
    if (value.is_object()) {
      auto it = value.find(part);
      if (it == value.end()) throw UsageError(here + ": no key \"" + part + "\"");
      value = Json(*it);
    } else if (value.is_array()) {
      const bool index = part.size() <= 9 && part.find_first_not_of("0123456789") == std::string::npos;
      if (!index || std::stoul(part) >= value.size())
        throw UsageError(here + ": no element \"" + part + "\" (an array of " + std::to_string(value.size()) + ")");
      value = Json(value[std::stoul(part)]);
    } else {
      throw UsageError(here + ": " + json::describe_value(value) + " has no \"" + part + "\"");
    }
    walked += "." + part;
    if (dot == std::string::npos) return value;
    start = dot + 1;
  }
}

std::filesystem::path resolve_path(const std::filesystem::path& config_file, const std::string& value) {
  std::filesystem::path p(value);
  if (p.is_absolute()) return p;
  std::error_code ec;
  if (std::filesystem::exists(p, ec)) return p;
  std::filesystem::path beside = config_file.parent_path() / p;
  if (std::filesystem::exists(beside, ec)) return beside;
  return p;  // let the reader report the path as the user wrote it
}

}  // namespace sl::config
