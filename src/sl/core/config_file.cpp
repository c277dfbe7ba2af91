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
    throw UsageError(path.string() + ": no configuration named \"" + name + "\" (available: " +
                     (names.empty() ? "none" : names) + ")");
  }
  return *it;
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
