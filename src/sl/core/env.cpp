#include "sl/core/env.hpp"

#include <cstdlib>
#include <map>
#include <mutex>

#include "sl/core/error.hpp"
#include "sl/core/files.hpp"

namespace sl::env {

namespace {

struct DotenvState {
  std::mutex mutex;
  bool loaded = false;
  std::map<std::string, std::string, std::less<>> values;
};

DotenvState& state() {
  static DotenvState s;
  return s;
}

std::string trim(std::string_view s) {
  const char* ws = " \t\r";
  auto b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return "";
  auto e = s.find_last_not_of(ws);
  return std::string(s.substr(b, e - b + 1));
}

void parse_dotenv(const std::string& text, const std::string& where,
                  std::map<std::string, std::string, std::less<>>& out) {
  std::size_t pos = 0, line_no = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = trim(std::string_view(text).substr(pos, end - pos));
    pos = end + 1;
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    if (line.rfind("export ", 0) == 0) line = trim(line.substr(7));
    auto eq = line.find('=');
    if (eq == std::string::npos || eq == 0)
      throw UsageError(where + ":" + std::to_string(line_no) + ": expected KEY=VALUE");
    std::string key = trim(line.substr(0, eq));
    std::string value = trim(line.substr(eq + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    } else {
      // Unquoted values may carry a trailing " # comment".
      auto hash = value.find(" #");
      if (hash != std::string::npos) value = trim(value.substr(0, hash));
    }
    out[key] = value;
  }
}

}  // namespace

void load_dotenv(const std::filesystem::path& path) {
  auto& s = state();
  std::lock_guard lock(s.mutex);
  if (s.loaded) return;
  s.loaded = true;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return;
  parse_dotenv(files::read_text(path), path.string(), s.values);
}

std::optional<std::string> get(std::string_view name) {
  std::string key(name);
  if (const char* v = std::getenv(key.c_str()); v != nullptr && *v != '\0') return std::string(v);
  load_dotenv();
  auto& s = state();
  std::lock_guard lock(s.mutex);
  auto it = s.values.find(name);
  if (it == s.values.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

std::string get_or(std::string_view name, std::string fallback) {
  auto v = get(name);
  return v ? *v : std::move(fallback);
}

void reset_for_tests() {
  auto& s = state();
  std::lock_guard lock(s.mutex);
  s.loaded = false;
  s.values.clear();
}

}  // namespace sl::env
