// Private: the mock's uploaded files and fine-tuning jobs (thread-safe, in memory).
//
// A job moves validating_files -> queued -> running -> succeeded, spending --ft-step-ms in each
// state. Time is read whenever a job is looked at, so no thread drives the jobs and a test with
// a 20 ms step sees the whole life of a job in 60 ms. A job fails instead of succeeding when
// its training file has too few examples (at the end of validation, as the real service does),
// when its base model is one of --ft-fail-model, or by --ft-fail-rate (decided at creation from
// the seed and the job's number, so the same run against a fresh mock fails the same jobs).
//
// A succeeded job registers its model "ft:<base>:mock::<id>"; the chat endpoint serves it
// exactly as its base (the mock is a plumbing double: nothing is learned).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "sl/core/json.hpp"
#include "sl/openai/mock/mock_options.hpp"

namespace sl::openai::mock {

// A validated create-job request (see fine_tuning_routes.cpp).
struct JobSpec {
  std::string model;
  std::string training_file;
  std::optional<std::int64_t> seed;
  // "auto" or a value each, as requested.
  Json n_epochs = "auto";
  Json learning_rate_multiplier = "auto";
  Json batch_size = "auto";
  std::optional<std::string> suffix;
  Json metadata;  // null or an object
};

// An HTTP answer from the store: status and body (an OpenAI-style error body unless 2xx).
struct StoreReply {
  int status = 200;
  Json body;
  bool drop_response = false;  // create only: send half the body, then close (--ft-drop-create)
};

class FineTuningStore {
 public:
  explicit FineTuningStore(const MockOptions& options) : options_(options) {}

  // ---- files ----
  StoreReply upload_file(const std::string& filename, const std::string& purpose, std::string content);
  StoreReply file(const std::string& file_id);
  StoreReply file_content(const std::string& file_id);  // body: {"content": text} on success
  StoreReply list_files(const std::optional<std::string>& purpose);

  // ---- jobs ----
  StoreReply create_job(const JobSpec& spec);
  StoreReply job(const std::string& job_id);
  StoreReply list_jobs(int limit, const std::optional<std::string>& after);
  StoreReply list_events(const std::string& job_id, int limit, const std::optional<std::string>& after);
  StoreReply cancel_job(const std::string& job_id);

  // ---- models ----
  // The base model of a fine-tuned model this mock created (and whose job succeeded).
  std::optional<std::string> base_of(const std::string& model_id);
  std::vector<std::string> fine_tuned_models();

  // {"files_uploaded", "jobs_created", "jobs_cancelled", "create_responses_dropped",
  //  "jobs_by_status": {...}} (the counters restart at reset(); jobs_by_status counts every job).
  Json stats();
  void reset_stats();

 private:
  using Clock = std::chrono::steady_clock;

  struct StoredFile {
    std::string id;
    std::string filename;
    std::string purpose;
    std::string content;
    std::int64_t created_at = 0;
    Clock::time_point uploaded;
    std::optional<std::string> problem;  // set when the content is not a usable training file
    std::int64_t examples = 0;
    std::int64_t tokens = 0;
  };

  struct StoredEvent {
    std::string id;
    std::int64_t created_at = 0;
    std::string level;
    std::string message;
    std::string type;  // "message" or "metrics"
    Json data;
  };

  struct StoredJob {
    std::string id;
    std::string model;
    std::string training_file;
    std::int64_t seed = 0;
    Json hyperparameters;  // resolved: numbers, no "auto"
    std::optional<std::string> suffix;
    Json metadata;
    std::int64_t created_at = 0;
    Clock::time_point start;
    int stage = 0;  // 0 validating_files, 1 queued, 2 running, 3 finished
    std::string status = "validating_files";
    std::optional<Json> planned_error;  // the error the job will end with, if it fails
    bool fails_validation = false;      // ...at the end of validation rather than of training
    std::optional<Json> error;
    std::optional<std::string> fine_tuned_model;
    std::optional<std::int64_t> finished_at;
    std::int64_t training_tokens = 0;
    std::int64_t training_examples = 0;
    int metric_quarters = 0;          // training-step events logged so far (of 4)
    std::vector<StoredEvent> events;  // oldest first
  };

  std::string file_status(const StoredFile& f) const;
  Json file_json(const StoredFile& f) const;
  Json job_json(const StoredJob& j) const;
  void advance(StoredJob& j);
  void add_event(StoredJob& j, const std::string& level, const std::string& message,
                 const std::string& type = "message", Json data = Json::object());
  void finish(StoredJob& j, const std::string& status);
  void add_metrics(StoredJob& j, int quarters);
  std::string new_id(const std::string& prefix, std::size_t length);

  const MockOptions& options_;
  std::mutex mutex_;
  std::map<std::string, StoredFile> files_;
  std::vector<std::string> file_order_;  // oldest first
  std::map<std::string, StoredJob> jobs_;
  std::vector<std::string> job_order_;         // oldest first
  std::map<std::string, std::string> models_;  // fine-tuned model -> base model
  std::uint64_t ids_issued_ = 0;
  std::int64_t jobs_ever_ = 0;
  std::int64_t files_uploaded_ = 0, jobs_created_ = 0, jobs_cancelled_ = 0, create_responses_dropped_ = 0;
};

}  // namespace sl::openai::mock
