#include "sl/core/jsonl.hpp"

#include "sl/core/error.hpp"
#include "sl/core/files.hpp"

namespace sl::jsonl {

void for_each(const std::filesystem::path& path, const std::function<void(const Json&, std::size_t line)>& fn) {
  const std::string text = files::read_text(path);
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    ++line_no;
    std::string_view line(text.data() + pos, end - pos);
    pos = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    const std::string where = path.string() + ":" + std::to_string(line_no);
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
