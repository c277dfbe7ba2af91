#include "sl/openai/fine_tuning_api.hpp"

#include <cctype>

#include "sl/core/error.hpp"
#include "sl/core/json_decode.hpp"

namespace sl::openai {

namespace {

ClientConfig single_attempt(ClientConfig config) {
  // Connect failures keep their own budget (nothing was sent); rate limits are retried by time,
  // not count (a 429 creates nothing). Everything else fails at once.
  config.retry.max_retries = 0;
  return config;
}

// Query values: ids are URL-safe in practice; anything else is percent-encoded anyway.
std::string query_escape(const std::string& value) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string list_query(int limit, const std::optional<std::string>& after) {
  std::string q = "?limit=" + std::to_string(limit);
  if (after) q += "&after=" + query_escape(*after);
  return q;
}

// A response that does not match the spec is a runtime failure naming the URL and the field.
template <class Parse>
auto decode(const std::string& where, const Json& body, Parse parse) {
  try {
    return parse(body);
  } catch (const JsonDecodeError& e) {
    throw Error("invalid response from " + where + ": " + e.what());
  }
}

}  // namespace

FineTuningApi::FineTuningApi(ClientConfig config) : client_(config), create_client_(single_attempt(config)) {}

std::string FineTuningApi::url_for(const std::string& path) const { return config().base_url + path; }

FileObject FineTuningApi::upload_file(const std::filesystem::path& path, const std::string& filename,
                                      const std::string& purpose) {
  std::vector<MultipartPart> parts;
  parts.push_back(MultipartPart{"purpose", purpose, std::nullopt, std::nullopt, std::nullopt});
  parts.push_back(MultipartPart{"file", "", path.string(), filename, std::string("application/jsonl")});
  return decode("POST " + url_for("/files"), client_.post_multipart("/files", std::move(parts)), parse_file_object);
}

FileObject FineTuningApi::retrieve_file(const std::string& file_id) {
  const std::string path = "/files/" + file_id;
  return decode("GET " + url_for(path), client_.get_json(path), parse_file_object);
}

FineTuningJob FineTuningApi::create_job(const CreateFineTuningJobRequest& request) {
  const std::string path = "/fine_tuning/jobs";
  return decode("POST " + url_for(path), create_client_.post_json(path, to_json(request)), parse_fine_tuning_job);
}

FineTuningJob FineTuningApi::retrieve_job(const std::string& job_id) {
  const std::string path = "/fine_tuning/jobs/" + job_id;
  return decode("GET " + url_for(path), client_.get_json(path), parse_fine_tuning_job);
}

Page<FineTuningJob> FineTuningApi::list_jobs(int limit, const std::optional<std::string>& after) {
  const std::string path = "/fine_tuning/jobs" + list_query(limit, after);
  return decode("GET " + url_for(path), client_.get_json(path), parse_job_page);
}

Page<FineTuningJobEvent> FineTuningApi::list_events(const std::string& job_id, int limit,
                                                    const std::optional<std::string>& after) {
  const std::string path = "/fine_tuning/jobs/" + job_id + "/events" + list_query(limit, after);
  return decode("GET " + url_for(path), client_.get_json(path), parse_event_page);
}

FineTuningJob FineTuningApi::cancel_job(const std::string& job_id) {
  const std::string path = "/fine_tuning/jobs/" + job_id + "/cancel";
  return decode("POST " + url_for(path), client_.post_json(path, Json::object()), parse_fine_tuning_job);
}

bool may_have_been_created(const HttpError& error) {
  const int s = error.status();
  return s == 0 || s == 408 || s == 409 || s >= 500;
}

}  // namespace sl::openai
