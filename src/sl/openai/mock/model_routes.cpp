// GET /v1/models: the models the mock knows (any model when none were named).
#include <ctime>

#include "routes.hpp"

namespace sl::openai::mock {

void add_model_routes(httplib::Server& server, MockContext& ctx) {
  server.Get("/v1/models", [&ctx](const httplib::Request& req, httplib::Response& res) {
    const std::string endpoint = "GET /v1/models";
    if (reject_unauthorized(ctx, endpoint, req, res)) return;
    std::vector<std::string> ids = ctx.options.known_models;
    if (ids.empty()) ids = {"gpt-4.1-nano-2025-04-14", "gpt-4.1-2025-04-14", "gpt-4o-2024-08-06"};
    for (const auto& id : ctx.fine_tuning.fine_tuned_models()) ids.push_back(id);
    Json data = Json::array();
    for (const auto& id : ids)
      data.push_back(Json{{"id", id}, {"object", "model"}, {"created", 1700000000}, {"owned_by", "mock"}});
    reply_json(ctx, endpoint, res, 200, Json{{"object", "list"}, {"data", std::move(data)}});
  });
}

}  // namespace sl::openai::mock
