#include "sl/openai/client.hpp"

#include <filesystem>

#include "sl/core/error.hpp"

namespace sl::openai {

Client::Client(ClientConfig config) : transport_(std::move(config)) {}

Json Client::send_json(HttpRequest request) {
  const std::string where = std::string(to_string(request.method)) + " " + transport_.url_for(request.path);
  HttpResponse response = transport_.send(request);
  if (response.body.empty()) return Json::object();  // e.g. 204 No Content
  Json j = Json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) throw Error("invalid response from " + where + ": the body is not JSON");
  return j;
}

Json Client::get_json(const std::string& path) { return send_json({HttpMethod::get, path, "", {}}); }

Json Client::post_json(const std::string& path, const Json& body) {
  return send_json({HttpMethod::post, path, json::dump(body), {}});
}

Json Client::delete_json(const std::string& path) { return send_json({HttpMethod::del, path, "", {}}); }

Json Client::post_multipart(const std::string& path, std::vector<MultipartPart> parts) {
  for (const MultipartPart& p : parts) {
    std::error_code ec;
    if (p.file_path && !std::filesystem::is_regular_file(*p.file_path, ec))
      throw UsageError("upload to " + transport_.url_for(path) + ": " + *p.file_path + ": no such file");
  }
  return send_json({HttpMethod::post, path, "", std::move(parts)});
}

}  // namespace sl::openai
