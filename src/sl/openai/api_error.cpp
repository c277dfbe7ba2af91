#include "sl/openai/api_error.hpp"

#include "sl/core/json.hpp"

namespace sl::openai {

namespace {

std::string string_member(const Json& obj, const char* key) {
  auto it = obj.find(key);
  return (it != obj.end() && it->is_string()) ? it->get<std::string>() : std::string();
}

// The body squeezed onto one line and cut, for servers that answer errors in plain text/HTML.
std::string one_line_excerpt(std::string_view body, std::size_t max_chars) {
  std::string out;
  bool space = false;
  for (char c : body) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
    if (out.size() >= max_chars) {
      out += "...";
      break;
    }
  }
  return out;
}

}  // namespace

std::optional<ApiErrorBody> parse_api_error(std::string_view body) {
  Json j = Json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  auto err = j.find("error");
  if (err == j.end()) return std::nullopt;
  ApiErrorBody out;
  if (err->is_string()) {  // some compatible servers send {"error": "text"}
    out.message = err->get<std::string>();
    return out;
  }
  if (!err->is_object()) return std::nullopt;
  out.message = string_member(*err, "message");
  out.type = string_member(*err, "type");
  out.code = string_member(*err, "code");
  return out;
}

std::string server_message(const HttpResponse& response) {
  if (auto e = parse_api_error(response.body); e && !e->message.empty()) return e->message;
  std::string excerpt = one_line_excerpt(response.body, 200);
  return excerpt.empty() ? "(empty response body)" : excerpt;
}

bool is_insufficient_quota(const HttpResponse& response) {
  if (response.status != 429) return false;
  auto e = parse_api_error(response.body);
  return e && (e->code == "insufficient_quota" || e->type == "insufficient_quota");
}

std::string redact(std::string text, const std::optional<std::string>& secret) {
  if (!secret || secret->empty()) return text;
  for (std::size_t pos = text.find(*secret); pos != std::string::npos; pos = text.find(*secret, pos + 3))
    text.replace(pos, secret->size(), "***");
  return text;
}

}  // namespace sl::openai
