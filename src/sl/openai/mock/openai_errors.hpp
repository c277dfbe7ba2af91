// Private: OpenAI-style error bodies, worded like the real API's, so clients see what they
// would see in production.
#pragma once

#include <optional>
#include <string>

#include "sl/core/json.hpp"

namespace sl::openai::mock {

// {"error": {"message", "type", "param", "code"}}
Json error_body(const std::string& message, const std::string& type,
                const std::optional<std::string>& param = std::nullopt,
                const std::optional<std::string>& code = std::nullopt);

Json invalid_api_key_error();
Json insufficient_quota_error();
Json rate_limit_error(const std::string& model, double rpm, long retry_after_ms);
Json server_error();
Json model_not_found_error(const std::string& model);
Json invalid_request_error(const std::string& message, const std::optional<std::string>& param = std::nullopt);
Json unknown_url_error(const std::string& method, const std::string& path);

}  // namespace sl::openai::mock
