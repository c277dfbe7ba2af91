#include "openai_errors.hpp"

namespace sl::openai::mock {

Json error_body(const std::string& message, const std::string& type, const std::optional<std::string>& param,
                const std::optional<std::string>& code) {
  return Json{{"error",
               {{"message", message},
                {"type", type},
                {"param", param ? Json(*param) : Json(nullptr)},
                {"code", code ? Json(*code) : Json(nullptr)}}}};
}

Json invalid_api_key_error() {
  // The real API echoes a masked key; the mock echoes none, so no test can leak one through it.
  return error_body(
      "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.",
      "invalid_request_error", std::nullopt, "invalid_api_key");
}

Json insufficient_quota_error() {
  return error_body(
      "You exceeded your current quota, please check your plan and billing details. For more information on "
      "this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.",
      "insufficient_quota", std::nullopt, "insufficient_quota");
}

Json rate_limit_error(const std::string& model, double rpm, long retry_after_ms) {
  return error_body("Rate limit reached for " + model + " in organization org-mock on requests per min (RPM): Limit " +
                        std::to_string(static_cast<long>(rpm)) + ". Please try again in " +
                        std::to_string(retry_after_ms) +
                        "ms. Visit https://platform.openai.com/account/rate-limits to learn more.",
                    "requests", std::nullopt, "rate_limit_exceeded");
}

Json server_error() {
  return error_body("The server had an error while processing your request. Sorry about that! (mock: injected failure)",
                    "server_error");
}

Json model_not_found_error(const std::string& model) {
  return error_body("The model `" + model + "` does not exist or you do not have access to it.",
                    "invalid_request_error", std::nullopt, "model_not_found");
}

Json invalid_request_error(const std::string& message, const std::optional<std::string>& param) {
  return error_body(message, "invalid_request_error", param);
}

Json unknown_url_error(const std::string& method, const std::string& path) {
  return error_body("Invalid URL (" + method + " " + path + ")", "invalid_request_error");
}

}  // namespace sl::openai::mock
