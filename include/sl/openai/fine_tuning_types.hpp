// Files and fine-tuning jobs data (/files, /fine_tuning/jobs) and their JSON mapping, following
// ../shared/openai/openapi.yaml (OpenAIFile, CreateFineTuningJobRequest, FineTuningJob,
// FineTuningJobEvent and their list responses) for every field the toolkit sends or reads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sl/core/json.hpp"

namespace sl::openai {

// An uploaded file. `status` ("uploaded", "processed", "error") is deprecated upstream but still
// sent; a server that leaves it out is treated as "processed".
struct FileObject {
  std::string id;
  std::int64_t bytes = 0;
  std::int64_t created_at = 0;
  std::string filename;
  std::string purpose;
  std::string status = "processed";
  std::optional<std::string> status_details;  // why processing failed, when it did
};

// Supervised hyperparameters; std::nullopt is sent as "auto" (the server chooses).
struct SupervisedHyperparameters {
  std::optional<std::int64_t> n_epochs;
  std::optional<double> learning_rate_multiplier;
  std::optional<std::int64_t> batch_size;
};

struct CreateFineTuningJobRequest {
  std::string model;
  std::string training_file;
  std::optional<std::int64_t> seed;
  SupervisedHyperparameters hyperparameters;
};

// {model, training_file, seed, method: {type: "supervised", supervised: {hyperparameters: {...}}}}
Json to_json(const CreateFineTuningJobRequest& request);

// A failed job's error object.
struct FineTuningJobError {
  std::string code;
  std::string message;
  std::optional<std::string> param;
};

struct FineTuningJob {
  std::string id;
  std::string model;
  std::string status;  // validating_files, queued, running, succeeded, failed, cancelled
  std::string training_file;
  std::int64_t created_at = 0;
  std::optional<std::string> fine_tuned_model;
  std::optional<FineTuningJobError> error;
  std::optional<std::int64_t> trained_tokens;
  std::optional<std::int64_t> estimated_finish;

  // succeeded, failed or cancelled: the status will not change any more.
  bool finished() const;
};

bool is_terminal_job_status(const std::string& status);

struct FineTuningJobEvent {
  std::string id;
  std::int64_t created_at = 0;
  std::string level;  // info, warn, error
  std::string message;
  std::string type;  // "message" or "metrics"
  // From `data` of a metrics event ("Step 100/3125: training loss=1.02"), when present.
  std::optional<std::int64_t> step;
  std::optional<std::int64_t> total_steps;
  std::optional<double> train_loss;
};

// One page of a list endpoint. The API lists newest first; `has_more` asks for the next page
// with `after` = the id of the last item.
template <class T>
struct Page {
  std::vector<T> data;
  bool has_more = false;
};

// Each parser reads one response body. Fields the toolkit does not read are ignored; a field it
// reads that is missing or of the wrong type is a sl::JsonDecodeError naming its path
// (e.g. "data[2].status: expected a string, got 5").
FileObject parse_file_object(const Json& body);
FineTuningJob parse_fine_tuning_job(const Json& body);
Page<FineTuningJob> parse_job_page(const Json& body);
Page<FineTuningJobEvent> parse_event_page(const Json& body);

}  // namespace sl::openai
