// Private: the mock's routes, one function per group of endpoints.
#pragma once

#include <httplib.h>

#include "mock_context.hpp"

namespace sl::openai::mock {

void add_chat_completion_routes(httplib::Server& server, MockContext& ctx);  // POST /v1/chat/completions
void add_model_routes(httplib::Server& server, MockContext& ctx);            // GET /v1/models
void add_control_routes(httplib::Server& server, MockContext& ctx);          // GET /mock/stats, POST /mock/reset
void add_file_routes(httplib::Server& server, MockContext& ctx);             // /v1/files...
void add_fine_tuning_routes(httplib::Server& server, MockContext& ctx);      // /v1/fine_tuning/jobs...

}  // namespace sl::openai::mock
