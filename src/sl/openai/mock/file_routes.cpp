// Files: POST /v1/files (multipart upload with purpose), GET /v1/files (list), GET
// /v1/files/{id} (retrieve), GET /v1/files/{id}/content. Fine-tuning uploads are checked as the
// real service checks them (see training_file_check.hpp): a bad file ends in status "error"
// with status_details naming the line.
#include "openai_errors.hpp"
#include "routes.hpp"

namespace sl::openai::mock {

namespace {

void send(MockContext& ctx, const std::string& endpoint, httplib::Response& res, StoreReply reply) {
  reply_json(ctx, endpoint, res, reply.status, reply.body);
}

void upload(MockContext& ctx, const httplib::Request& req, httplib::Response& res) {
  const std::string endpoint = "POST /v1/files";
  if (reject_unauthorized(ctx, endpoint, req, res)) return;
  if (!req.is_multipart_form_data()) {
    reply_json(ctx, endpoint, res, 400,
               invalid_request_error("Invalid Content-Type header (" + req.get_header_value("Content-Type") +
                                     "), expected multipart/form-data."));
    return;
  }
  if (!req.has_file("purpose")) {
    reply_json(ctx, endpoint, res, 400, invalid_request_error("Missing required parameter: 'purpose'.", "purpose"));
    return;
  }
  if (!req.has_file("file") || req.get_file_value("file").filename.empty()) {
    reply_json(ctx, endpoint, res, 400, invalid_request_error("Missing required parameter: 'file'.", "file"));
    return;
  }
  httplib::MultipartFormData file = req.get_file_value("file");
  send(ctx, endpoint, res,
       ctx.fine_tuning.upload_file(file.filename, req.get_file_value("purpose").content, std::move(file.content)));
}

}  // namespace

void add_file_routes(httplib::Server& server, MockContext& ctx) {
  server.Post("/v1/files", [&ctx](const httplib::Request& req, httplib::Response& res) { upload(ctx, req, res); });

  server.Get("/v1/files", [&ctx](const httplib::Request& req, httplib::Response& res) {
    const std::string endpoint = "GET /v1/files";
    if (reject_unauthorized(ctx, endpoint, req, res)) return;
    std::optional<std::string> purpose;
    if (req.has_param("purpose")) purpose = req.get_param_value("purpose");
    send(ctx, endpoint, res, ctx.fine_tuning.list_files(purpose));
  });

  server.Get(R"(/v1/files/([^/]+))", [&ctx](const httplib::Request& req, httplib::Response& res) {
    const std::string endpoint = "GET /v1/files/{file_id}";
    if (reject_unauthorized(ctx, endpoint, req, res)) return;
    send(ctx, endpoint, res, ctx.fine_tuning.file(req.matches[1]));
  });

  server.Get(R"(/v1/files/([^/]+)/content)", [&ctx](const httplib::Request& req, httplib::Response& res) {
    const std::string endpoint = "GET /v1/files/{file_id}/content";
    if (reject_unauthorized(ctx, endpoint, req, res)) return;
    StoreReply reply = ctx.fine_tuning.file_content(req.matches[1]);
    if (reply.status != 200) {
      send(ctx, endpoint, res, std::move(reply));
      return;
    }
    res.status = 200;
    res.set_content(reply.body["content"].get<std::string>(), "application/octet-stream");
    ctx.stats.record(endpoint, "200");
  });
}

}  // namespace sl::openai::mock
