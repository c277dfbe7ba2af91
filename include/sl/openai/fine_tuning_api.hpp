// Typed calls of the files and fine-tuning endpoints, over the blocking JSON calls of Client.
//
//   FineTuningApi api(ClientConfig::from_env());
//   FileObject f = api.upload_file("train.jsonl", "train.jsonl", "fine-tune");
//   FineTuningJob job = api.create_job({"gpt-4.1-nano-2025-04-14", f.id, 1, {}});
//   job = api.retrieve_job(job.id);
//
// Every call but create_job() is retried as the client's policy says (408, 409, 429, 5xx,
// timeouts, dropped connections). create_job() is not retried once the request may have reached
// the server: a retried POST could create, and bill, a second job. See create_job().
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "sl/core/error.hpp"
#include "sl/openai/client.hpp"
#include "sl/openai/fine_tuning_types.hpp"

namespace sl::openai {

class FineTuningApi {
 public:
  explicit FineTuningApi(ClientConfig config);

  // POST /files (multipart: `file` from `path`, sent under `filename`, and `purpose`).
  FileObject upload_file(const std::filesystem::path& path, const std::string& filename, const std::string& purpose);
  // GET /files/{id}
  FileObject retrieve_file(const std::string& file_id);

  // POST /fine_tuning/jobs, at most one attempt that may have reached the server. Only waits
  // the server asked for (429 rate limits, which create nothing) and connections that could not
  // be opened are retried. Any other failure throws sl::HttpError; when
  // may_have_been_created(error) the job might exist anyway, and the caller should look for it
  // (list_jobs) before trying again.
  FineTuningJob create_job(const CreateFineTuningJobRequest& request);
  // GET /fine_tuning/jobs/{id}
  FineTuningJob retrieve_job(const std::string& job_id);
  // GET /fine_tuning/jobs?limit=N[&after=ID], newest first.
  Page<FineTuningJob> list_jobs(int limit, const std::optional<std::string>& after = std::nullopt);
  // GET /fine_tuning/jobs/{id}/events?limit=N[&after=ID], newest first.
  Page<FineTuningJobEvent> list_events(const std::string& job_id, int limit,
                                       const std::optional<std::string>& after = std::nullopt);
  // POST /fine_tuning/jobs/{id}/cancel
  FineTuningJob cancel_job(const std::string& job_id);

  // base URL + path, as used in messages.
  std::string url_for(const std::string& path) const;
  const ClientConfig& config() const { return client_.config(); }

 private:
  Client client_;
  Client create_client_;  // same server, no retries of attempts that may have been received
};

// True when a failed create_job() may nevertheless have created the job: no response arrived
// (status 0: timeout, dropped connection), or a 5xx/408/409 answer (the server may have acted
// before failing).
bool may_have_been_created(const sl::HttpError& error);

}  // namespace sl::openai
