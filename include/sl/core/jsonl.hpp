// JSON Lines files: one JSON value per line, UTF-8.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "sl/core/json.hpp"
#include "sl/core/json_decode.hpp"

namespace sl::jsonl {

// Calls `fn(value, line_number)` for every non-blank line. Malformed JSON is a UsageError
// "FILE:LINE: invalid JSON: ...". Exceptions thrown by `fn` that are JsonDecodeErrors get the
// "FILE:LINE: " prefix too.
void for_each(const std::filesystem::path& path, const std::function<void(const Json&, std::size_t line)>& fn);
// The same over JSONL text already in memory; `origin` names it in messages ("FILE").
void for_each_line(std::string_view text, const std::string& origin,
                   const std::function<void(const Json&, std::size_t line)>& fn);

// Reads every line as a T with strict decoding; errors name the file, the line and the path.
template <class T>
std::vector<T> read(const std::filesystem::path& path) {
  std::vector<T> out;
  for_each(path, [&](const Json& j, std::size_t) { out.push_back(json::decode_value<T>(j)); });
  return out;
}

// Serialises values as JSONL text (each line ends with '\n').
std::string to_text(const std::vector<Json>& values);

template <class T>
std::string encode_lines(const std::vector<T>& rows) {
  std::string out;
  for (const auto& r : rows) {
    out += json::dump(json::encode(r));
    out += '\n';
  }
  return out;
}

}  // namespace sl::jsonl
