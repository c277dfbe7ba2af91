// Plain HTTP request/response data shared by the transport and the API wrappers built on it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sl::openai {

enum class HttpMethod { get, post, del };

const char* to_string(HttpMethod method);

// One part of a multipart/form-data upload (e.g. the `file` and `purpose` fields of /files).
// The content comes from `data`, or from the file at `file_path` when that is set.
struct MultipartPart {
  std::string name;
  std::string data;
  std::optional<std::string> file_path;
  std::optional<std::string> filename;      // sent as the part's filename
  std::optional<std::string> content_type;  // e.g. "application/jsonl"
};

// A request relative to the client's base URL: `path` is appended to it ("/chat/completions").
// A request with `multipart` parts is sent as multipart/form-data and `body` is ignored.
struct HttpRequest {
  HttpMethod method = HttpMethod::post;
  std::string path;
  std::string body;  // JSON text for POST (empty: no body)
  std::vector<MultipartPart> multipart;
};

// Header names are stored lower-case (HTTP header names are case-insensitive).
using HttpHeaders = std::map<std::string, std::string>;

struct HttpResponse {
  int status = 0;
  HttpHeaders headers;
  std::string body;
  // The URL that answered (with replicas, the server that was picked), for error messages.
  std::string url;

  // The value of header `lower_case_name`, if present.
  std::optional<std::string> header(const std::string& lower_case_name) const;
};

}  // namespace sl::openai
