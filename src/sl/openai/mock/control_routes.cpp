// Routes for tests and benchmarks, not part of the OpenAI API (and not counted in the stats):
//   GET /mock/stats    counters (see MockStats)
//   POST /mock/reset   zero the counters
//   /mock/echo[/...]   what the request looked like (method, headers that matter, body,
//                      multipart fields and files), to test HTTP clients
#include "routes.hpp"

namespace sl::openai::mock {

namespace {

Json echo(const httplib::Request& req) {
  Json fields = Json::object();
  Json files = Json::array();
  for (const auto& [name, part] : req.files) {
    if (part.filename.empty()) {
      fields[name] = part.content;
    } else {
      files.push_back(Json{
          {"name", name}, {"filename", part.filename}, {"content_type", part.content_type}, {"content", part.content}});
    }
  }
  return Json{{"method", req.method},
              {"path", req.path},
              {"content_type", req.get_header_value("Content-Type")},
              {"has_authorization", req.has_header("Authorization")},
              {"expect", req.get_header_value("Expect")},
              {"body", req.is_multipart_form_data() ? std::string() : req.body},
              {"fields", std::move(fields)},
              {"files", std::move(files)}};
}

}  // namespace

void add_control_routes(httplib::Server& server, MockContext& ctx) {
  server.Get("/mock/stats", [&ctx](const httplib::Request&, httplib::Response& res) {
    res.set_content(json::dump(stats_json(ctx)), "application/json");
  });
  server.Post("/mock/reset", [&ctx](const httplib::Request&, httplib::Response& res) {
    reset_stats(ctx);
    res.set_content("{}", "application/json");
  });
  auto echo_handler = [](const httplib::Request& req, httplib::Response& res) {
    res.set_content(json::dump(echo(req)), "application/json");
  };
  // Also below /mock/echo/, so that a client whose base URL is .../mock/echo sees its requests.
  const std::string pattern = R"(/mock/echo(/.*)?)";
  server.Get(pattern, echo_handler);
  server.Post(pattern, echo_handler);
  server.Delete(pattern, echo_handler);
}

}  // namespace sl::openai::mock
