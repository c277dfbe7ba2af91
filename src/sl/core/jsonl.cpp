#include "sl/core/jsonl.hpp"

#include "sl/core/error.hpp"
#include "sl/core/files.hpp"
#include "sl/core/json_limits.hpp"

namespace sl::jsonl {

void for_each(const std::filesystem::path& path, const std::function<void(const Json&, std::size_t line)>& fn) {
  for_each_line(files::read_text(path), path.string(), fn);
}

void for_each_line(std::string_view text, const std::string& origin,
                   const std::function<void(const Json&, std::size_t line)>& fn) {
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    ++line_no;
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    const std::string where = origin + ":" + std::to_string(line_no);
    if (line.size() > json::kMaxLineBytes)
      throw UsageError(where + ": line of " + std::to_string(line.size()) + " bytes is over the limit of " +
                       std::to_string(json::kMaxLineBytes) + " bytes");
    Json value = json::parse(line, where);
    try {
      fn(value, line_no);
    } catch (const JsonDecodeError& e) {
      throw UsageError(where + ": " + e.what());
    }
  }
}

std::string to_text(const std::vector<Json>& values) {
  std::string out;
  for (const auto& v : values) {
    out += json::dump(v);
    out += '\n';
  }
  return out;
}

}  // namespace sl::jsonl
