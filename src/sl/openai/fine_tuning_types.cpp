#include "sl/openai/fine_tuning_types.hpp"

#include "json_member.hpp"
#include "sl/core/json_decode.hpp"

namespace sl::openai {

namespace {

using json::Reader;

// Member `key` unless it is absent or null.
std::optional<Reader> optional_member(const Reader& r, const char* key) {
  auto it = r.json().find(key);
  if (it == r.json().end() || it->is_null()) return std::nullopt;
  return Reader(*it, r.child_path(key));
}

std::string string_at(const Reader& r) {
  if (!r.json().is_string()) r.fail_expected("a string");
  return r.json().get<std::string>();
}

std::int64_t integer_at(const Reader& r) {
  if (!r.json().is_number_integer()) r.fail_expected("an integer");
  return r.json().get<std::int64_t>();
}

template <class T, class Parse>
Page<T> page_at(const Reader& root, Parse parse) {
  if (!root.json().is_object()) root.fail_expected("a list object");
  Page<T> page;
  Reader data = member(root, "data");
  if (!data.json().is_array()) data.fail_expected("a list");
  for (std::size_t i = 0; i < data.json().size(); ++i)
    page.data.push_back(parse(Reader(data.json()[i], data.child_path(i))));
  // Required by the spec; a server that leaves it out has nothing more to give.
  if (auto more = optional_member(root, "has_more")) {
    if (!more->json().is_boolean()) more->fail_expected("a boolean");
    page.has_more = more->json().get<bool>();
  }
  return page;
}

FineTuningJob job_at(const Reader& r) {
  if (!r.json().is_object()) r.fail_expected("a fine-tuning job object");
  FineTuningJob job;
  job.id = string_at(member(r, "id"));
  job.model = string_at(member(r, "model"));
  job.status = string_at(member(r, "status"));
  job.training_file = string_at(member(r, "training_file"));
  if (auto c = optional_member(r, "created_at")) job.created_at = integer_at(*c);
  if (auto m = optional_member(r, "fine_tuned_model")) job.fine_tuned_model = string_at(*m);
  if (auto e = optional_member(r, "error")) {
    if (!e->json().is_object()) e->fail_expected("an object or null");
    // Servers send {"code": null, "message": null, "param": null} while nothing failed.
    auto text = [&](const char* key) -> std::optional<std::string> {
      auto m = optional_member(*e, key);
      return m ? std::optional<std::string>(string_at(*m)) : std::nullopt;
    };
    FineTuningJobError err{text("code").value_or(""), text("message").value_or(""), text("param")};
    if (!err.code.empty() || !err.message.empty()) job.error = std::move(err);
  }
  if (auto t = optional_member(r, "trained_tokens")) job.trained_tokens = integer_at(*t);
  if (auto f = optional_member(r, "estimated_finish")) job.estimated_finish = integer_at(*f);
  return job;
}

FineTuningJobEvent event_at(const Reader& r) {
  if (!r.json().is_object()) r.fail_expected("an event object");
  FineTuningJobEvent e;
  e.id = string_at(member(r, "id"));
  e.message = string_at(member(r, "message"));
  if (auto c = optional_member(r, "created_at")) e.created_at = integer_at(*c);
  if (auto l = optional_member(r, "level")) e.level = string_at(*l);
  if (auto t = optional_member(r, "type")) e.type = string_at(*t);
  // `data` is free-form in the spec: read what is there, ignore what is not.
  if (auto d = optional_member(r, "data"); d && d->json().is_object()) {
    const Json& data = d->json();
    if (auto s = data.find("step"); s != data.end() && s->is_number_integer()) e.step = s->get<std::int64_t>();
    if (auto s = data.find("total_steps"); s != data.end() && s->is_number_integer())
      e.total_steps = s->get<std::int64_t>();
    if (auto s = data.find("train_loss"); s != data.end() && s->is_number()) e.train_loss = s->get<double>();
  }
  return e;
}

Json auto_or(const std::optional<std::int64_t>& v) { return v ? Json(*v) : Json("auto"); }
Json auto_or(const std::optional<double>& v) { return v ? Json(*v) : Json("auto"); }

}  // namespace

Json to_json(const CreateFineTuningJobRequest& request) {
  Json body = Json::object();
  body["model"] = request.model;
  body["training_file"] = request.training_file;
  if (request.seed) body["seed"] = *request.seed;
  const SupervisedHyperparameters& h = request.hyperparameters;
  body["method"] = Json{{"type", "supervised"},
                        {"supervised",
                         {{"hyperparameters",
                           {{"n_epochs", auto_or(h.n_epochs)},
                            {"learning_rate_multiplier", auto_or(h.learning_rate_multiplier)},
                            {"batch_size", auto_or(h.batch_size)}}}}}};
  return body;
}

bool is_terminal_job_status(const std::string& status) {
  return status == "succeeded" || status == "failed" || status == "cancelled";
}

bool FineTuningJob::finished() const { return is_terminal_job_status(status); }

FileObject parse_file_object(const Json& body) {
  Reader r(body, "");
  if (!body.is_object()) r.fail_expected("a file object");
  FileObject f;
  f.id = string_at(member(r, "id"));
  if (auto b = optional_member(r, "bytes")) f.bytes = integer_at(*b);
  if (auto c = optional_member(r, "created_at")) f.created_at = integer_at(*c);
  if (auto n = optional_member(r, "filename")) f.filename = string_at(*n);
  if (auto p = optional_member(r, "purpose")) f.purpose = string_at(*p);
  if (auto s = optional_member(r, "status")) f.status = string_at(*s);
  if (auto d = optional_member(r, "status_details")) f.status_details = string_at(*d);
  return f;
}

FineTuningJob parse_fine_tuning_job(const Json& body) { return job_at(Reader(body, "")); }

Page<FineTuningJob> parse_job_page(const Json& body) { return page_at<FineTuningJob>(Reader(body, ""), job_at); }

Page<FineTuningJobEvent> parse_event_page(const Json& body) {
  return page_at<FineTuningJobEvent>(Reader(body, ""), event_at);
}

}  // namespace sl::openai
