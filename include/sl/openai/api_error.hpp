// OpenAI-style error bodies ({"error": {"message", "type", "param", "code"}}) and the one-line
// messages the client builds from them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "sl/openai/http.hpp"

namespace sl::openai {

struct ApiErrorBody {
  std::string message;
  std::string type;
  std::string code;
};

// The error object of an OpenAI-style error body, if the body is one.
std::optional<ApiErrorBody> parse_api_error(std::string_view body);

// What the server said, for an error message: error.message when the body is an OpenAI-style
// error, else the start of the body on one line, else "(empty response body)".
std::string server_message(const HttpResponse& response);

// True for 429 responses that mean "out of credit" rather than "slow down".
bool is_insufficient_quota(const HttpResponse& response);

// Replaces every occurrence of `secret` in `text` with "***" (no-op when secret is empty), so
// that a server echoing the key back cannot put it into our messages.
std::string redact(std::string text, const std::optional<std::string>& secret);

}  // namespace sl::openai
