// Answers of an OpenAI-compatible server: chat completions, file objects, fine-tuning jobs and
// their list pages and events, error bodies and the Retry-After header. Every parser reads the
// same body, as the client would whatever endpoint it called.
#include <chrono>

#include "fuzz_input.hpp"
#include "sl/core/json.hpp"
#include "sl/openai/api_error.hpp"
#include "sl/openai/chat_types.hpp"
#include "sl/openai/fine_tuning_types.hpp"
#include "sl/openai/retry_policy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body = sl::fuzz::as_text(data, size);
  sl::openai::HttpResponse response;
  response.status = 429;
  response.body = std::string(body);
  response.headers["retry-after"] = std::string(body.substr(0, 64));
  (void)sl::openai::parse_api_error(body);
  (void)sl::openai::server_message(response);
  (void)sl::openai::is_insufficient_quota(response);
  (void)sl::openai::parse_retry_after(response.headers, std::chrono::system_clock::now());
  sl::fuzz::expect_clean([&] {
    const sl::Json json = sl::json::parse(body, "response body");
    sl::fuzz::expect_clean([&] { (void)sl::openai::parse_chat_completion(json); });
    sl::fuzz::expect_clean([&] { (void)sl::openai::parse_file_object(json); });
    sl::fuzz::expect_clean([&] { (void)sl::openai::parse_fine_tuning_job(json); });
    sl::fuzz::expect_clean([&] { (void)sl::openai::parse_job_page(json); });
    sl::fuzz::expect_clean([&] { (void)sl::openai::parse_event_page(json); });
  });
  return 0;
}
