#include "curl_failure.hpp"

namespace sl::openai::detail {

TransportFailure failure_of(CURLcode code, bool connected) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_SSL_CONNECT_ERROR:
      return TransportFailure::connect_failed;
    case CURLE_OPERATION_TIMEDOUT:
      return connected ? TransportFailure::timeout : TransportFailure::connect_failed;
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_BAD_CONTENT_ENCODING:
      return TransportFailure::connection_dropped;
    default:
      return TransportFailure::fatal;
  }
}

std::string describe_failure(CURLcode code, const char* error_buffer) {
  std::string what;
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
      what = "could not connect";
      break;
    case CURLE_OPERATION_TIMEDOUT:
      what = "timed out";
      break;
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
      what = "connection dropped";
      break;
    default:
      what = "request failed";
  }
  const std::string detail = (error_buffer && *error_buffer) ? error_buffer : curl_easy_strerror(code);
  return what + ": " + detail;
}

}  // namespace sl::openai::detail
