// Private: libcurl result codes -> TransportFailure, and the words for error messages.
#pragma once

#include <curl/curl.h>

#include <string>

#include "sl/openai/retry_policy.hpp"

namespace sl::openai::detail {

// `connected` tells a connect timeout (server not there) from a slow answer.
TransportFailure failure_of(CURLcode code, bool connected);

// "could not connect: Failed to connect to 127.0.0.1 port 9 ...: Connection refused"
std::string describe_failure(CURLcode code, const char* error_buffer);

}  // namespace sl::openai::detail
