#include "sl/openai/http.hpp"

namespace sl::openai {

const char* to_string(HttpMethod method) {
  switch (method) {
    case HttpMethod::get:
      return "GET";
    case HttpMethod::post:
      return "POST";
    case HttpMethod::del:
      return "DELETE";
  }
  return "?";
}

std::optional<std::string> HttpResponse::header(const std::string& lower_case_name) const {
  auto it = headers.find(lower_case_name);
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

}  // namespace sl::openai
