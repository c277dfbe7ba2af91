#include "fine_tuning_store.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "openai_errors.hpp"
#include "sl/openai/mock/mock_random.hpp"
#include "training_file_check.hpp"

namespace sl::openai::mock {

namespace {

const char* kStatusOfStage[] = {"validating_files", "queued", "running"};

std::int64_t unix_now() { return static_cast<std::int64_t>(std::time(nullptr)); }

StoreReply not_found(const std::string& message, const std::string& param) {
  return {404, error_body(message, "invalid_request_error", param, std::string("not_found"))};
}

StoreReply bad_request(const std::string& message, const std::optional<std::string>& param = std::nullopt) {
  return {400, invalid_request_error(message, param)};
}

// A page of `ids` (oldest first), listed newest first, starting after `after`.
template <class ToJson>
StoreReply page(const std::vector<std::string>& ids, int limit, const std::optional<std::string>& after,
                ToJson to_json) {
  std::vector<std::string> newest_first(ids.rbegin(), ids.rend());
  std::size_t begin = 0;
  if (after) {
    auto it = std::find(newest_first.begin(), newest_first.end(), *after);
    if (it == newest_first.end()) return bad_request("No such object to list after: '" + *after + "'.", "after");
    begin = static_cast<std::size_t>(it - newest_first.begin()) + 1;
  }
  Json data = Json::array();
  std::size_t i = begin;
  for (; i < newest_first.size() && data.size() < static_cast<std::size_t>(limit); ++i)
    data.push_back(to_json(newest_first[i]));
  return {200, Json{{"object", "list"}, {"data", std::move(data)}, {"has_more", i < newest_first.size()}}};
}

}  // namespace

std::string FineTuningStore::new_id(const std::string& prefix, std::size_t length) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  Random rng(mix64(options_.seed ^ mix64(++ids_issued_ + 0x1D5ULL)));
  std::string id = prefix;
  for (std::size_t i = 0; i < length; ++i) id += alphabet[rng.next() % 62];
  return id;
}

// ---- files ----------------------------------------------------------------------------------

std::string FineTuningStore::file_status(const StoredFile& f) const {
  const double age_ms = std::chrono::duration<double, std::milli>(Clock::now() - f.uploaded).count();
  if (age_ms < options_.ft_file_ms) return "uploaded";
  return f.problem ? "error" : "processed";
}

Json FineTuningStore::file_json(const StoredFile& f) const {
  const std::string status = file_status(f);
  // expires_at and status_details are not nullable in the spec: left out when they do not apply.
  Json out{{"object", "file"},
           {"id", f.id},
           {"purpose", f.purpose},
           {"filename", f.filename},
           {"bytes", static_cast<std::int64_t>(f.content.size())},
           {"created_at", f.created_at},
           {"status", status}};
  if (status == "error") out["status_details"] = *f.problem;
  return out;
}

StoreReply FineTuningStore::upload_file(const std::string& filename, const std::string& purpose, std::string content) {
  static const std::vector<std::string> kPurposes{"assistants", "batch", "fine-tune", "vision", "user_data", "evals"};
  if (std::find(kPurposes.begin(), kPurposes.end(), purpose) == kPurposes.end())
    return bad_request("'" + purpose +
                           "' is not one of ['fine-tune', 'assistants', 'batch', 'user_data', 'evals', "
                           "'vision'] - 'purpose'",
                       "purpose");
  std::lock_guard lock(mutex_);
  StoredFile f;
  f.id = new_id("file-", 22);
  f.filename = filename;
  f.purpose = purpose;
  f.created_at = unix_now();
  f.uploaded = Clock::now();
  if (purpose == "fine-tune") {
    TrainingFileCheck check = check_training_file(content);
    f.problem = check.problem;
    f.examples = check.examples;
    f.tokens = check.tokens;
  }
  f.content = std::move(content);
  ++files_uploaded_;
  Json body = file_json(f);
  file_order_.push_back(f.id);
  files_.emplace(f.id, std::move(f));
  return {200, std::move(body)};
}

StoreReply FineTuningStore::file(const std::string& file_id) {
  std::lock_guard lock(mutex_);
  auto it = files_.find(file_id);
  if (it == files_.end()) return not_found("No such File object: " + file_id, "id");
  return {200, file_json(it->second)};
}

StoreReply FineTuningStore::file_content(const std::string& file_id) {
  std::lock_guard lock(mutex_);
  auto it = files_.find(file_id);
  if (it == files_.end()) return not_found("No such File object: " + file_id, "id");
  return {200, Json{{"content", it->second.content}}};
}

StoreReply FineTuningStore::list_files(const std::optional<std::string>& purpose) {
  std::lock_guard lock(mutex_);
  Json data = Json::array();
  for (auto id = file_order_.rbegin(); id != file_order_.rend(); ++id) {
    const StoredFile& f = files_.at(*id);
    if (!purpose || f.purpose == *purpose) data.push_back(file_json(f));
  }
  Json first = data.empty() ? Json(nullptr) : data.front()["id"];
  Json last = data.empty() ? Json(nullptr) : data.back()["id"];
  return {
      200,
      Json{{"object", "list"}, {"data", std::move(data)}, {"first_id", first}, {"last_id", last}, {"has_more", false}}};
}

// ---- jobs -----------------------------------------------------------------------------------

void FineTuningStore::add_event(StoredJob& j, const std::string& level, const std::string& message,
                                const std::string& type, Json data) {
  j.events.push_back({new_id("ftevent-", 24), unix_now(), level, message, type, std::move(data)});
}

void FineTuningStore::finish(StoredJob& j, const std::string& status) {
  j.status = status;
  j.stage = 3;
  j.finished_at = unix_now();
}

// Moves the job through the stages that its age says have passed, with the events the real
// service logs on the way.
void FineTuningStore::advance(StoredJob& j) {
  if (j.stage >= 3) return;
  const double age_ms = std::chrono::duration<double, std::milli>(Clock::now() - j.start).count();
  const int due =
      options_.ft_step_ms <= 0 ? 3 : static_cast<int>(std::min(3.0, std::floor(age_ms / options_.ft_step_ms)));
  while (j.stage < due && j.stage < 3) {
    if (j.stage == 0) {
      if (j.fails_validation) {
        j.error = j.planned_error;
        add_event(j, "error", (*j.error)["message"].get<std::string>());
        finish(j, "failed");
        return;
      }
      add_event(j, "info", "Files validated, moving job to queued state");
      j.stage = 1;
    } else if (j.stage == 1) {
      add_event(j, "info", "Fine-tuning job started");
      j.stage = 2;
    } else {
      add_metrics(j, j.planned_error ? 2 : 4);  // a failing run stops halfway
      if (j.planned_error) {
        j.error = j.planned_error;
        add_event(j, "error", (*j.error)["message"].get<std::string>());
        finish(j, "failed");
        return;
      }
      // "ft:<base>:<org>:<suffix>:<id>", with org "mock".
      std::string model = "ft:" + j.model + ":mock:" + j.suffix.value_or("") + ":" + j.id.substr(j.id.size() - 8);
      j.fine_tuned_model = model;
      models_[model] = j.model;
      add_event(j, "info", "New fine-tuned model created: " + model);
      add_event(j, "info", "The job has successfully completed");
      finish(j, "succeeded");
      return;
    }
    j.status = kStatusOfStage[j.stage];
  }
  // While running: a training-step event at each quarter of the run, as the real service logs
  // steps with their loss.
  if (j.stage == 2 && options_.ft_step_ms > 0) {
    const double in_running = age_ms - 2 * options_.ft_step_ms;
    add_metrics(j, static_cast<int>(std::clamp(std::floor(in_running / (options_.ft_step_ms / 4)), 0.0, 3.0)));
  }
}

void FineTuningStore::add_metrics(StoredJob& j, int quarters) {
  const std::int64_t batch = std::max<std::int64_t>(1, j.hyperparameters["batch_size"].get<std::int64_t>());
  const std::int64_t total = std::max<std::int64_t>(
      1, j.hyperparameters["n_epochs"].get<std::int64_t>() * ((j.training_examples + batch - 1) / batch));
  Random rng(mix64(hash_bytes(j.id)));
  const double final_loss = 0.2 + 0.6 * rng.uniform();
  while (j.metric_quarters < quarters) {
    ++j.metric_quarters;
    const std::int64_t step = std::max<std::int64_t>(1, total * j.metric_quarters / 4);
    const double loss = final_loss + (2.0 - final_loss) * (4 - j.metric_quarters) / 4.0;
    char text[96];
    std::snprintf(text, sizeof text, "Step %lld/%lld: training loss=%.4f", static_cast<long long>(step),
                  static_cast<long long>(total), loss);
    add_event(j, "info", text, "metrics", Json{{"step", step}, {"total_steps", total}, {"train_loss", loss}});
  }
}

Json FineTuningStore::job_json(const StoredJob& j) const {
  const bool succeeded = j.status == "succeeded";
  Json estimated = nullptr;
  if (j.stage < 3 && options_.ft_step_ms > 0) {
    const double left_ms =
        3 * options_.ft_step_ms - std::chrono::duration<double, std::milli>(Clock::now() - j.start).count();
    estimated = unix_now() + static_cast<std::int64_t>(std::max(0.0, left_ms) / 1000.0);
  }
  return Json{{"object", "fine_tuning.job"},
              {"id", j.id},
              {"model", j.model},
              {"created_at", j.created_at},
              {"finished_at", j.finished_at ? Json(*j.finished_at) : Json(nullptr)},
              {"fine_tuned_model", j.fine_tuned_model ? Json(*j.fine_tuned_model) : Json(nullptr)},
              {"organization_id", "org-mock"},
              {"result_files", Json::array()},
              {"status", j.status},
              {"validation_file", nullptr},
              {"training_file", j.training_file},
              {"hyperparameters", j.hyperparameters},
              {"trained_tokens",
               succeeded ? Json(j.training_tokens * j.hyperparameters["n_epochs"].get<std::int64_t>()) : Json(nullptr)},
              {"error", j.error ? *j.error : Json(nullptr)},
              {"user_provided_suffix", j.suffix ? Json(*j.suffix) : Json(nullptr)},
              {"seed", j.seed},
              {"estimated_finish", estimated},
              {"integrations", Json::array()},
              {"metadata", j.metadata},
              {"method", {{"type", "supervised"}, {"supervised", {{"hyperparameters", j.hyperparameters}}}}}};
}

StoreReply FineTuningStore::create_job(const JobSpec& spec) {
  std::lock_guard lock(mutex_);
  auto f = files_.find(spec.training_file);
  if (f == files_.end()) return bad_request("invalid training_file: " + spec.training_file, "training_file");
  const StoredFile& file = f->second;
  if (file.purpose != "fine-tune")
    return bad_request("File " + file.id + " has purpose '" + file.purpose +
                           "'; fine-tuning needs a file uploaded with "
                           "purpose 'fine-tune'.",
                       "training_file");
  const std::string fstatus = file_status(file);
  if (fstatus == "uploaded")
    return bad_request("File " + file.id +
                           " is still being processed and is not ready to be used for fine-tuning. "
                           "Please try again later.",
                       "training_file");
  if (fstatus == "error")
    return bad_request("File " + file.id + " could not be processed: " + *file.problem, "training_file");

  StoredJob j;
  j.id = new_id("ftjob-", 24);
  j.model = spec.model;
  j.training_file = spec.training_file;
  j.seed = spec.seed.value_or(static_cast<std::int64_t>(mix64(hash_bytes(j.id)) & 0x7fffffff));
  // "auto" becomes the values the service would choose for a small file.
  j.hyperparameters = Json{{"n_epochs", spec.n_epochs.is_string() ? Json(3) : spec.n_epochs},
                           {"batch_size", spec.batch_size.is_string() ? Json(1) : spec.batch_size},
                           {"learning_rate_multiplier",
                            spec.learning_rate_multiplier.is_string() ? Json(2.0) : spec.learning_rate_multiplier}};
  j.suffix = spec.suffix;
  j.metadata = spec.metadata;
  j.created_at = unix_now();
  j.start = Clock::now();
  j.training_tokens = file.tokens;
  j.training_examples = file.examples;

  const std::int64_t number = jobs_ever_++;
  Random fate(mix64(options_.seed ^ mix64(static_cast<std::uint64_t>(number) + 0xF7ULL)));
  const bool fail_model = std::find(options_.ft_fail_models.begin(), options_.ft_fail_models.end(), spec.model) !=
                          options_.ft_fail_models.end();
  if (file.examples < kMinTrainingExamples) {
    j.fails_validation = true;
    j.planned_error =
        Json{{"code", "invalid_n_examples"},
             {"message", "Training file has " + std::to_string(file.examples) + " example(s), but must have at least " +
                             std::to_string(kMinTrainingExamples) + " examples"},
             {"param", "training_file"}};
  } else if (fail_model || fate.chance(options_.ft_fail_rate)) {
    j.planned_error = Json{{"code", "internal_error"},
                           {"message",
                            "Fine-tuning failed: the training run stopped with an internal error "
                            "(mock: injected failure)."},
                           {"param", nullptr}};
  }
  add_event(j, "info", "Created fine-tuning job: " + j.id);
  add_event(j, "info", "Validating training file: " + j.training_file);
  ++jobs_created_;
  StoreReply reply{200, job_json(j)};
  if (number < options_.ft_drop_create) {
    reply.drop_response = true;
    ++create_responses_dropped_;
  }
  job_order_.push_back(j.id);
  jobs_.emplace(j.id, std::move(j));
  return reply;
}

StoreReply FineTuningStore::job(const std::string& job_id) {
  std::lock_guard lock(mutex_);
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return not_found("Could not find fine-tuning job: " + job_id, "fine_tuning_job_id");
  advance(it->second);
  return {200, job_json(it->second)};
}

StoreReply FineTuningStore::list_jobs(int limit, const std::optional<std::string>& after) {
  std::lock_guard lock(mutex_);
  for (auto& [id, j] : jobs_) advance(j);
  return page(job_order_, limit, after, [&](const std::string& id) { return job_json(jobs_.at(id)); });
}

StoreReply FineTuningStore::list_events(const std::string& job_id, int limit, const std::optional<std::string>& after) {
  std::lock_guard lock(mutex_);
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return not_found("Could not find fine-tuning job: " + job_id, "fine_tuning_job_id");
  StoredJob& j = it->second;
  advance(j);
  std::vector<std::string> ids;
  std::map<std::string, const StoredEvent*> by_id;
  for (const StoredEvent& e : j.events) {
    ids.push_back(e.id);
    by_id[e.id] = &e;
  }
  return page(ids, limit, after, [&](const std::string& id) {
    const StoredEvent& e = *by_id.at(id);
    return Json{{"object", "fine_tuning.job.event"},
                {"id", e.id},
                {"created_at", e.created_at},
                {"level", e.level},
                {"message", e.message},
                {"type", e.type},
                {"data", e.data}};
  });
}

StoreReply FineTuningStore::cancel_job(const std::string& job_id) {
  std::lock_guard lock(mutex_);
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return not_found("Could not find fine-tuning job: " + job_id, "fine_tuning_job_id");
  StoredJob& j = it->second;
  advance(j);
  if (j.stage >= 3) return bad_request("Job has already completed with status " + j.status + ", cannot be cancelled.");
  add_event(j, "info", "Fine-tuning job cancelled");
  finish(j, "cancelled");
  ++jobs_cancelled_;
  return {200, job_json(j)};
}

// ---- models and counters --------------------------------------------------------------------

std::optional<std::string> FineTuningStore::base_of(const std::string& model_id) {
  std::lock_guard lock(mutex_);
  auto it = models_.find(model_id);
  if (it == models_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> FineTuningStore::fine_tuned_models() {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [model, base] : models_) out.push_back(model);
  return out;
}

Json FineTuningStore::stats() {
  std::lock_guard lock(mutex_);
  Json by_status = Json::object();
  for (auto& [id, j] : jobs_) {
    advance(j);
    by_status[j.status] = by_status.value(j.status, 0) + 1;
  }
  return Json{{"files_uploaded", files_uploaded_},
              {"jobs_created", jobs_created_},
              {"jobs_cancelled", jobs_cancelled_},
              {"create_responses_dropped", create_responses_dropped_},
              {"jobs_by_status", std::move(by_status)}};
}

void FineTuningStore::reset_stats() {
  std::lock_guard lock(mutex_);
  files_uploaded_ = jobs_created_ = jobs_cancelled_ = create_responses_dropped_ = 0;
}

}  // namespace sl::openai::mock
