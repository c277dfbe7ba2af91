#include "sl/core/json.hpp"

#include "sl/core/error.hpp"
#include "sl/core/json_limits.hpp"

namespace sl::json {

std::string describe_value(const Json& value) {
  constexpr std::size_t kMax = 60;
  std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (text.size() > kMax) text = text.substr(0, kMax - 3) + "...";
  return text;
}

void check_limits(std::string_view text, const std::string& where, std::size_t max_bytes, const char* what) {
  if (text.size() > max_bytes)
    throw UsageError(where + ": " + what + " of " + std::to_string(text.size()) + " bytes is over the limit of " +
                     std::to_string(max_bytes) + " bytes");
  // Nesting depth, counting brackets outside strings (a syntax error is the parser's to report).
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxDepth)
        throw UsageError(where + ": JSON nested deeper than " + std::to_string(kMaxDepth) + " levels (at byte " +
                         std::to_string(i + 1) + ")");
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
}

// The limits of json_limits.hpp apply to every document parsed here.
Json parse(std::string_view text, const std::string& where) {
  check_limits(text, where);
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::exception& e) {
    // parse_error, and out_of_range for a number too large for a double ("1e400").
    // nlohmann's message starts with "[json.exception.parse_error.101] parse error at line 1,
    // column 5: ..."; keep the part after the id, which says where and what.
    std::string msg = e.what();
    auto pos = msg.find("] ");
    if (pos != std::string::npos) msg = msg.substr(pos + 2);
    throw UsageError(where + ": invalid JSON: " + msg);
  }
}

std::string dump(const Json& value) { return value.dump(-1, ' ', false, Json::error_handler_t::replace); }

}  // namespace sl::json
