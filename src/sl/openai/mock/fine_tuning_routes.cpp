// Fine-tuning jobs: POST /v1/fine_tuning/jobs (create), GET /v1/fine_tuning/jobs (list),
// GET /v1/fine_tuning/jobs/{id} (retrieve), GET /v1/fine_tuning/jobs/{id}/events,
// POST /v1/fine_tuning/jobs/{id}/cancel. Requests are validated like the real API's
// (CreateFineTuningJobRequest); the jobs themselves live in FineTuningStore.
#include <algorithm>
#include <memory>

#include "openai_errors.hpp"
#include "routes.hpp"

namespace sl::openai::mock {

namespace {

const std::string kCreate = "POST /v1/fine_tuning/jobs";

struct ParsedSpec {
  std::optional<JobSpec> spec;
  Json error;
};

ParsedSpec invalid(const std::string& message, const std::optional<std::string>& param = std::nullopt) {
  return {std::nullopt, invalid_request_error(message, param)};
}

// "auto" or a number in range; `integer` asks for a whole number.
std::optional<std::string> check_hyperparameter(const Json& v, bool integer, double lo, double hi, bool lo_exclusive) {
  if (v.is_string() && v == "auto") return std::nullopt;
  const bool type_ok = integer ? v.is_number_integer() : v.is_number();
  if (!type_ok) return std::string("expected 'auto' or ") + (integer ? "an integer" : "a number");
  const double x = v.get<double>();
  if ((lo_exclusive ? x <= lo : x < lo) || x > hi) return "value out of range";
  return std::nullopt;
}

ParsedSpec parse_hyperparameters(const Json& h, const std::string& at, JobSpec& spec) {
  if (!h.is_object()) return invalid("Invalid type for '" + at + "': expected an object.", at);
  for (auto it = h.begin(); it != h.end(); ++it) {
    const std::string key = it.key();
    std::optional<std::string> problem;
    if (key == "n_epochs") {
      problem = check_hyperparameter(*it, true, 1, 50, false);
      spec.n_epochs = *it;
    } else if (key == "batch_size") {
      problem = check_hyperparameter(*it, true, 1, 256, false);
      spec.batch_size = *it;
    } else if (key == "learning_rate_multiplier") {
      problem = check_hyperparameter(*it, false, 0, 1e6, true);
      spec.learning_rate_multiplier = *it;
    } else {
      return invalid("Unrecognized hyperparameter: '" + at + "." + key + "'.", at + "." + key);
    }
    if (problem) return invalid("Invalid value for '" + at + "." + key + "': " + *problem + ".", at + "." + key);
  }
  return {};
}

ParsedSpec parse_create(const Json& j) {
  static const std::vector<std::string> kKnown{"model",  "training_file",   "hyperparameters",
                                               "suffix", "validation_file", "integrations",
                                               "seed",   "method",          "metadata"};
  if (!j.is_object()) return invalid("The request body must be a JSON object.");
  for (auto it = j.begin(); it != j.end(); ++it)
    if (std::find(kKnown.begin(), kKnown.end(), it.key()) == kKnown.end())
      return invalid("Unrecognized request argument supplied: " + it.key());
  JobSpec spec;
  auto model = j.find("model");
  if (model == j.end() || !model->is_string() || model->get<std::string>().empty())
    return invalid("Missing required parameter: 'model'.", "model");
  spec.model = model->get<std::string>();
  auto file = j.find("training_file");
  if (file == j.end() || !file->is_string() || file->get<std::string>().empty())
    return invalid("Missing required parameter: 'training_file'.", "training_file");
  spec.training_file = file->get<std::string>();
  if (auto v = j.find("validation_file"); v != j.end() && !v->is_null())
    return invalid("The mock does not support validation files.", "validation_file");
  if (auto s = j.find("seed"); s != j.end() && !s->is_null()) {
    if (!s->is_number_integer() || s->get<std::int64_t>() < 0 || s->get<std::int64_t>() > 2147483647)
      return invalid("Invalid 'seed': expected an integer from 0 to 2147483647.", "seed");
    spec.seed = s->get<std::int64_t>();
  }
  if (auto s = j.find("suffix"); s != j.end() && !s->is_null()) {
    if (!s->is_string() || s->get<std::string>().empty() || s->get<std::string>().size() > 64)
      return invalid("Invalid 'suffix': expected a string of 1 to 64 characters.", "suffix");
    spec.suffix = s->get<std::string>();
  }
  if (auto m = j.find("metadata"); m != j.end() && !m->is_null()) {
    if (!m->is_object()) return invalid("Invalid type for 'metadata': expected an object.", "metadata");
    spec.metadata = *m;
  }
  const bool has_method = j.contains("method") && !j["method"].is_null();
  const bool has_legacy = j.contains("hyperparameters") && !j["hyperparameters"].is_null();
  if (has_method && has_legacy)
    return invalid("Specify hyperparameters in 'method' only; 'hyperparameters' is deprecated.", "hyperparameters");
  if (has_legacy) {
    if (auto e = parse_hyperparameters(j["hyperparameters"], "hyperparameters", spec); !e.error.is_null()) return e;
  }
  if (has_method) {
    const Json& m = j["method"];
    if (!m.is_object() || !m.contains("type") || !m["type"].is_string())
      return invalid("Missing required parameter: 'method.type'.", "method.type");
    if (m["type"] != "supervised")
      return invalid("The mock supports only method.type 'supervised', got '" + m["type"].get<std::string>() + "'.",
                     "method.type");
    for (auto it = m.begin(); it != m.end(); ++it)
      if (it.key() != "type" && it.key() != "supervised")
        return invalid("Unrecognized request argument supplied: method." + it.key(), "method." + it.key());
    if (auto s = m.find("supervised"); s != m.end() && !s->is_null()) {
      if (!s->is_object())
        return invalid("Invalid type for 'method.supervised': expected an object.", "method.supervised");
      for (auto it = s->begin(); it != s->end(); ++it)
        if (it.key() != "hyperparameters")
          return invalid("Unrecognized request argument supplied: method.supervised." + it.key());
      if (auto h = s->find("hyperparameters"); h != s->end() && !h->is_null())
        if (auto e = parse_hyperparameters(*h, "method.supervised.hyperparameters", spec); !e.error.is_null()) return e;
    }
  }
  return {std::move(spec), Json()};
}

// A body cut off halfway, as a connection lost after the server acted would leave it.
void send_truncated(MockContext& ctx, const std::string& endpoint, httplib::Response& res, const Json& body) {
  auto shared = std::make_shared<std::string>(json::dump(body));
  ctx.stats.fault("ft_create_dropped");
  ctx.stats.record(endpoint, "dropped");
  res.status = 200;
  res.set_content_provider(shared->size(), "application/json",
                           [shared](std::size_t offset, std::size_t, httplib::DataSink& sink) {
                             if (offset == 0) sink.write(shared->data(), shared->size() / 2);
                             return false;
                           });
}

void create(MockContext& ctx, const httplib::Request& req, httplib::Response& res) {
  if (reject_unauthorized(ctx, kCreate, req, res)) return;
  Json body = Json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    reply_json(ctx, kCreate, res, 400, invalid_request_error("We could not parse the JSON body of your request."));
    return;
  }
  ParsedSpec parsed = parse_create(body);
  if (!parsed.spec) {
    reply_json(ctx, kCreate, res, 400, parsed.error);
    return;
  }
  const MockOptions& o = ctx.options;
  if (!o.known_models.empty() &&
      std::find(o.known_models.begin(), o.known_models.end(), parsed.spec->model) == o.known_models.end()) {
    reply_json(ctx, kCreate, res, 400,
               error_body("Model " + parsed.spec->model + " is not available for fine-tuning or does not exist.",
                          "invalid_request_error", std::string("model"), std::string("model_not_available")));
    return;
  }
  if (o.quota_exhausted) {  // a job costs money: the same answer as for chat requests
    ctx.stats.fault("insufficient_quota");
    reply_json(ctx, kCreate, res, 429, insufficient_quota_error());
    return;
  }
  StoreReply reply = ctx.fine_tuning.create_job(*parsed.spec);
  if (reply.drop_response) {
    send_truncated(ctx, kCreate, res, reply.body);
    return;
  }
  reply_json(ctx, kCreate, res, reply.status, reply.body);
}

// ?limit=N (1..100, default 20) and ?after=ID, or a 400 body.
std::optional<Json> list_params(const httplib::Request& req, int& limit, std::optional<std::string>& after) {
  limit = 20;
  if (req.has_param("limit")) {
    const std::string v = req.get_param_value("limit");
    const bool digits =
        !v.empty() && v.size() < 5 && std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
    limit = digits ? std::stoi(v) : 0;
    if (limit < 1 || limit > 100)
      return invalid_request_error("Invalid 'limit': expected an integer from 1 to 100.", "limit");
  }
  if (req.has_param("after")) after = req.get_param_value("after");
  return std::nullopt;
}

}  // namespace

void add_fine_tuning_routes(httplib::Server& server, MockContext& ctx) {
  server.Post("/v1/fine_tuning/jobs",
              [&ctx](const httplib::Request& req, httplib::Response& res) { create(ctx, req, res); });

  server.Get("/v1/fine_tuning/jobs", [&ctx](const httplib::Request& req, httplib::Response& res) {
    const std::string endpoint = "GET /v1/fine_tuning/jobs";
    if (reject_unauthorized(ctx, endpoint, req, res)) return;
    int limit = 20;
    std::optional<std::string> after;
    if (auto error = list_params(req, limit, after)) return reply_json(ctx, endpoint, res, 400, *error);
    StoreReply r = ctx.fine_tuning.list_jobs(limit, after);
    reply_json(ctx, endpoint, res, r.status, r.body);
  });

  server.Get(R"(/v1/fine_tuning/jobs/([^/]+))", [&ctx](const httplib::Request& req, httplib::Response& res) {
    const std::string endpoint = "GET /v1/fine_tuning/jobs/{id}";
    if (reject_unauthorized(ctx, endpoint, req, res)) return;
    StoreReply r = ctx.fine_tuning.job(req.matches[1]);
    reply_json(ctx, endpoint, res, r.status, r.body);
  });

  server.Get(R"(/v1/fine_tuning/jobs/([^/]+)/events)", [&ctx](const httplib::Request& req, httplib::Response& res) {
    const std::string endpoint = "GET /v1/fine_tuning/jobs/{id}/events";
    if (reject_unauthorized(ctx, endpoint, req, res)) return;
    int limit = 20;
    std::optional<std::string> after;
    if (auto error = list_params(req, limit, after)) return reply_json(ctx, endpoint, res, 400, *error);
    StoreReply r = ctx.fine_tuning.list_events(req.matches[1], limit, after);
    reply_json(ctx, endpoint, res, r.status, r.body);
  });

  server.Post(R"(/v1/fine_tuning/jobs/([^/]+)/cancel)", [&ctx](const httplib::Request& req, httplib::Response& res) {
    const std::string endpoint = "POST /v1/fine_tuning/jobs/{id}/cancel";
    if (reject_unauthorized(ctx, endpoint, req, res)) return;
    StoreReply r = ctx.fine_tuning.cancel_job(req.matches[1]);
    reply_json(ctx, endpoint, res, r.status, r.body);
  });
}

}  // namespace sl::openai::mock
