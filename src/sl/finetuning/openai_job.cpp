#include "sl/finetuning/openai_job.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include "sl/core/error.hpp"
#include "sl/core/files.hpp"
#include "sl/core/interrupt.hpp"
#include "sl/core/progress.hpp"
#include "sl/finetuning/job_state.hpp"
#include "sl/finetuning/training_data.hpp"
#include "sl/openai/fine_tuning_api.hpp"

namespace sl::finetuning {

namespace fs = std::filesystem;

namespace {

constexpr const char* kJobType = "openai";
using Clock = std::chrono::steady_clock;

// Unwinds to run_openai_job() when Ctrl-C (or SIGTERM) is seen between two steps.
struct Interrupted {};

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Waits up to `seconds`, noticing an interrupt within 50 ms.
void sleep_interruptibly(double seconds) {
  const auto until = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  while (true) {
    if (interrupt::requested()) throw Interrupted{};
    const auto now = Clock::now();
    if (now >= until) return;
    std::this_thread::sleep_for(std::min<Clock::duration>(until - now, std::chrono::milliseconds(50)));
  }
}

// The newest job that trains on `file_id`, if any: how a job whose creation was never recorded
// (crash, lost answer) is found again. Jobs are listed newest first; 10 pages of 100 reach far
// beyond the minutes between an upload and its job.
std::optional<openai::FineTuningJob> find_job_for_file(openai::FineTuningApi& api, const std::string& file_id) {
  std::optional<std::string> after;
  for (int page = 0; page < 10; ++page) {
    auto jobs = api.list_jobs(100, after);
    for (auto& job : jobs.data)
      if (job.training_file == file_id) return std::move(job);
    if (!jobs.has_more || jobs.data.empty()) break;
    after = jobs.data.back().id;
  }
  return std::nullopt;
}

// Names the top-level keys whose values differ, for "made with a different config (n_epochs)".
std::string differing_keys(const Json& a, const Json& b) {
  std::string keys;
  auto note = [&](const std::string& k) {
    if (keys.find(k) == std::string::npos) keys += (keys.empty() ? "" : ", ") + k;
  };
  if (a.is_object() && b.is_object()) {
    for (auto it = a.begin(); it != a.end(); ++it)
      if (!b.contains(it.key()) || b[it.key()] != it.value()) note(it.key());
    for (auto it = b.begin(); it != b.end(); ++it)
      if (!a.contains(it.key())) note(it.key());
  }
  return keys;
}

void check_server(const JobState& state, const fs::path& state_path, const openai::ClientConfig& client) {
  if (state.job_type != kJobType)
    throw UsageError(state_path.string() + ": records a \"" + state.job_type +
                     "\" job, not an OpenAI one; use another --output_path");
  if (state.base_url != client.base_url)
    throw UsageError(state_path.string() + ": its file and job ids belong to " + state.base_url +
                     ", but OPENAI_BASE_URL is now " + client.base_url +
                     "; set OPENAI_BASE_URL back to resume that job, or use another --output_path");
}

class OpenAIJobRun {
 public:
  OpenAIJobRun(const OpenAIFinetuningJob& cfg, const fs::path& output, const openai::ClientConfig& client,
               const PollSettings& poll)
      : cfg_(cfg),
        output_(output),
        state_path_(state_path_for(output)),
        training_path_(training_file_path_for(output)),
        poll_(poll),
        client_config_(client),
        api_(client) {}

  JobResult run(const fs::path& dataset_path) {
    JobResult result;
    result.state_path = state_path_;
    try {
      prepare(dataset_path);
      if (state_.status == "succeeded" && state_.fine_tuned_model) {
        spdlog::info("job {} already succeeded: {} (recorded in {})", state_.job_id.value_or("?"),
                     *state_.fine_tuned_model, state_path_.string());
        result.already_done = true;
        result.model = model_named(*state_.fine_tuned_model);
      } else {
        if (!state_.job_id) start_job();
        result.model = finish(poll(*state_.job_id));
      }
    } catch (const Interrupted&) {
      result.interrupted = true;
    } catch (const Error&) {
      // An HTTP call cut short by Ctrl-C ends in an error; it is an interrupt all the same.
      if (!interrupt::requested()) throw;
      result.interrupted = true;
    }
    result.job_id = state_.job_id;
    result.status = state_.status;
    return result;
  }

 private:
  void save() { save_job_state(state_path_, state_); }

  llm::Model model_named(const std::string& id) const {
    return llm::Model{id, "openai", std::make_shared<const llm::Model>(cfg_.source_model)};
  }

  // Reads the dataset, builds the training file in memory and reconciles it with the state an
  // earlier run left.
  void prepare(const fs::path& dataset_path) {
    const auto rows = load_dataset(dataset_path);
    const auto used = subsample(rows, cfg_.max_dataset_size, cfg_.seed);
    training_text_ = training_jsonl(used);
    if (used.size() < rows.size())
      spdlog::info("training on {} of {} rows (max_dataset_size {}, seed {})", used.size(), rows.size(),
                   *cfg_.max_dataset_size, cfg_.seed);
    files::ensure_writable(output_);

    JobState fresh;
    fresh.job_type = kJobType;
    fresh.base_url = client_config_.base_url;
    fresh.config = json::encode(cfg_);
    fresh.dataset = {dataset_path.string(), static_cast<std::int64_t>(rows.size()),
                     static_cast<std::int64_t>(used.size()), content_hash(training_text_)};

    std::optional<JobState> existing = load_job_state(state_path_);
    if (!existing) {
      state_ = std::move(fresh);
      return;
    }
    check_server(*existing, state_path_, client_config_);
    std::string differs;
    if (existing->config != fresh.config) differs = "config (" + differing_keys(existing->config, fresh.config) + ")";
    if (existing->dataset.training_file_hash != fresh.dataset.training_file_hash)
      differs += std::string(differs.empty() ? "" : " and ") + "dataset";
    if (differs.empty()) {
      state_ = std::move(*existing);
      state_.dataset.path = fresh.dataset.path;
      if (state_.job_id)
        spdlog::info("resuming fine-tuning job {} (recorded in {})", *state_.job_id, state_path_.string());
      return;
    }
    // Another config or dataset for the same output: refuse while a job may exist, since
    // starting over would pay for a second one and lose track of the first.
    if (!existing->job_id && existing->training_file_id) {
      if (auto job = find_job_for_file(api_, *existing->training_file_id)) {
        existing->job_id = job->id;
        existing->status = job->status;
        state_ = *existing;
        save();
      }
    }
    if (existing->job_id)
      throw UsageError(state_path_.string() + ": records fine-tuning job " + *existing->job_id + " (last status " +
                       existing->status.value_or("unknown") + "), made with a different " + differs +
                       ". Rerun with the original config and dataset to resume it, or use another --output_path "
                       "for a new job (to stop the old one: --cancel with this --output_path).");
    spdlog::info("{}: the earlier run with a different {} never created a job; starting over", state_path_.string(),
                 differs);
    state_ = std::move(fresh);
  }

  // Upload (unless done before), wait until processed, create the job; the state file records
  // the file id before the job is created and the job id as soon as it exists.
  void start_job() {
    if (state_.training_file_id) {
      if (auto job = find_job_for_file(api_, *state_.training_file_id)) {
        spdlog::info(
            "found fine-tuning job {} (status {}) training on {}: an earlier run created it without "
            "recording it; resuming it",
            job->id, job->status, *state_.training_file_id);
        record_job(*job);
        return;
      }
    } else {
      upload();
    }
    wait_until_processed();
    record_job(create_job());
    spdlog::info(
        "created fine-tuning job {} (recorded in {}); it runs on the server: if this program stops, rerun "
        "the same command to resume waiting for it",
        *state_.job_id, state_path_.string());
  }

  void record_job(const openai::FineTuningJob& job) {
    state_.job_id = job.id;
    state_.status = job.status;
    save();
  }

  void upload() {
    files::write_atomic(training_path_, training_text_);
    spdlog::info("uploading the training file {} ({} rows, {} bytes) to {}", training_path_.string(),
                 state_.dataset.rows_used, training_text_.size(), client_config_.base_url);
    openai::FileObject file = api_.upload_file(training_path_, training_path_.filename().string(), "fine-tune");
    state_.training_file_id = file.id;
    state_.status.reset();
    save();
    spdlog::info("uploaded as {}", file.id);
  }

  void wait_until_processed() {
    const auto start = Clock::now();
    double interval = std::min(poll_.interval_s, 5.0);
    bool uploaded_again = false;
    while (true) {
      openai::FileObject file;
      try {
        file = api_.retrieve_file(*state_.training_file_id);
      } catch (const HttpError& e) {
        if (e.status() != 404 || uploaded_again) throw;
        spdlog::warn("training file {} is gone from the server ({}); uploading it again", *state_.training_file_id,
                     e.what());
        upload();
        uploaded_again = true;
        continue;
      }
      if (file.status == "processed") return;
      if (file.status == "error")
        throw Error("the server rejected the training file " + file.id + " (" + training_path_.string() +
                    "): " + file.status_details.value_or("no details given") + "; fix the dataset and rerun");
      if (seconds_since(start) > poll_.file_timeout_s)
        throw Error("the training file " + file.id + " is still \"" + file.status + "\" after " +
                    format_duration(seconds_since(start)) + "; rerun the same command to keep waiting");
      spdlog::debug("training file {}: {}", file.id, file.status);
      sleep_interruptibly(interval);
      interval = std::min(interval * 1.5, std::max(poll_.max_interval_s, poll_.interval_s));
    }
  }

  // POST /fine_tuning/jobs without blind retries: when the answer is lost, the job may exist,
  // so it is looked for (by training file) before the request is sent again.
  openai::FineTuningJob create_job() {
    openai::CreateFineTuningJobRequest request;
    request.model = cfg_.source_model.id;
    request.training_file = *state_.training_file_id;
    request.seed = cfg_.seed;
    request.hyperparameters = {cfg_.n_epochs, cfg_.lr_multiplier.value, cfg_.batch_size.value};
    for (int attempt = 1;; ++attempt) {
      try {
        return api_.create_job(request);
      } catch (const HttpError& e) {
        if (interrupt::requested()) throw Interrupted{};
        if (!openai::may_have_been_created(e)) throw;
        spdlog::warn("creating the fine-tuning job: {}; checking whether the server created it anyway", e.what());
        sleep_interruptibly(std::min(poll_.interval_s, 5.0) * attempt);
        if (auto job = find_job_for_file(api_, request.training_file)) {
          spdlog::info("the server did create job {}; continuing with it", job->id);
          return *job;
        }
        if (attempt >= poll_.create_attempts)
          throw Error(std::string(e.what()) + " (tried " + std::to_string(attempt) + " times; no job trains on " +
                      request.training_file + "; rerun the same command to try again)");
        spdlog::info("no job was created; trying again (attempt {} of {})", attempt + 1, poll_.create_attempts);
      }
    }
  }

  openai::FineTuningJob poll(const std::string& job_id) {
    spdlog::info("waiting for fine-tuning job {} (Ctrl-C stops waiting; the job keeps running)", job_id);
    std::string last_status = state_.status.value_or("");
    double interval = poll_.interval_s;
    const double max_interval = std::max(poll_.max_interval_s, poll_.interval_s);
    auto last_change = Clock::now();
    auto last_heartbeat = last_change;
    bool first = true;
    while (true) {
      if (interrupt::requested()) throw Interrupted{};
      openai::FineTuningJob job = api_.retrieve_job(job_id);
      log_new_events(job_id);
      if (job.status != last_status) {
        spdlog::info("job {}: {}{}", job_id, last_status.empty() ? "status " : last_status + " -> ", job.status);
        last_status = job.status;
        state_.status = job.status;
        save();
        interval = poll_.interval_s;
        last_change = last_heartbeat = Clock::now();
      } else if (first) {
        spdlog::info("job {}: status {}", job_id, job.status);
      } else if (seconds_since(last_heartbeat) >= poll_.heartbeat_s) {
        spdlog::info("job {}: still {} after {}", job_id, job.status, format_duration(seconds_since(last_change)));
        last_heartbeat = Clock::now();
      }
      first = false;
      if (job.finished()) return job;
      sleep_interruptibly(interval);
      interval = std::min(max_interval, interval * 1.5);
    }
  }

  // Logs the job's events not shown yet, oldest first. Events are listed newest first; the
  // first look shows the latest page, later looks page back to the newest event already shown.
  void log_new_events(const std::string& job_id) {
    if (!events_available_) return;
    std::vector<openai::FineTuningJobEvent> fresh;
    try {
      std::optional<std::string> after;
      for (int page = 0; page < 5; ++page) {
        auto events = api_.list_events(job_id, newest_event_id_ ? 100 : 20, after);
        bool reached = false;
        for (auto& e : events.data) {
          if (newest_event_id_ && e.id == *newest_event_id_) {
            reached = true;
            break;
          }
          fresh.push_back(std::move(e));
        }
        if (reached || !newest_event_id_ || !events.has_more || events.data.empty()) break;
        after = events.data.back().id;
      }
    } catch (const HttpError& e) {
      // Events are a courtesy; a server without them can still run the job.
      spdlog::warn("cannot list the job's events ({}); showing status changes only", e.what());
      events_available_ = false;
      return;
    }
    if (fresh.empty()) return;
    newest_event_id_ = fresh.front().id;
    for (auto e = fresh.rbegin(); e != fresh.rend(); ++e) {
      // Training steps drive a progress bar (a real job logs thousands of them); the rest is shown.
      if (e->type == "metrics" && e->step && e->total_steps && *e->total_steps > 0) {
        show_step(job_id, *e);
        spdlog::debug("job {}: {}", job_id, e->message);
      } else if (e->level == "error" || e->level == "warn") {
        spdlog::warn("job {}: {}", job_id, e->message);
      } else {
        spdlog::info("job {}: {}", job_id, e->message);
      }
    }
  }

  void show_step(const std::string& job_id, const openai::FineTuningJobEvent& e) {
    const auto total = static_cast<std::size_t>(*e.total_steps);
    const auto step = static_cast<std::size_t>(std::clamp<std::int64_t>(*e.step, 0, *e.total_steps));
    if (!progress_) {
      // Steps before the first one seen here were done without us: they do not count in the rate.
      progress_ = std::make_unique<Progress>("training (job " + job_id + ")", total, step > 0 ? step - 1 : 0);
    }
    if (e.train_loss) {
      char loss[32];
      std::snprintf(loss, sizeof loss, "loss %.4f", *e.train_loss);
      progress_->set_status(loss);
    }
    if (step > progress_->done()) progress_->advance(step - progress_->done());
  }

  llm::Model finish(const openai::FineTuningJob& job) {
    if (progress_ && job.status == "succeeded") progress_->finish();
    progress_.reset();
    const std::string again = ". The job stays recorded in " + state_path_.string() +
                              "; to start a new job, delete that file (or use another --output_path) and rerun.";
    if (job.status == "succeeded") {
      if (!job.fine_tuned_model || job.fine_tuned_model->empty())
        throw Error("fine-tuning job " + job.id + " succeeded, but " + api_.url_for("/fine_tuning/jobs/" + job.id) +
                    " names no fine_tuned_model");
      state_.fine_tuned_model = *job.fine_tuned_model;
      state_.status = job.status;
      save();
      spdlog::info("job {} succeeded: {}{}", job.id, *job.fine_tuned_model,
                   job.trained_tokens ? " (" + std::to_string(*job.trained_tokens) + " trained tokens)" : "");
      return model_named(*job.fine_tuned_model);
    }
    if (job.status == "failed") {
      std::string why = "the server gave no reason";
      if (job.error) {
        why = job.error->message.empty() ? "no message" : job.error->message;
        if (!job.error->code.empty()) why += " (code " + job.error->code + ")";
      }
      throw Error("fine-tuning job " + job.id + " failed: " + why + again);
    }
    throw Error("fine-tuning job " + job.id + " was " + job.status + again);
  }

  const OpenAIFinetuningJob& cfg_;
  fs::path output_, state_path_, training_path_;
  PollSettings poll_;
  openai::ClientConfig client_config_;
  openai::FineTuningApi api_;
  JobState state_;
  std::string training_text_;
  std::optional<std::string> newest_event_id_;
  bool events_available_ = true;
  std::unique_ptr<Progress> progress_;  // training steps, from the job's metrics events
};

}  // namespace

JobResult run_openai_job(const OpenAIFinetuningJob& cfg, const fs::path& dataset_path, const fs::path& output_path,
                         const openai::ClientConfig& client, const PollSettings& poll) {
  OpenAIJobRun run(cfg, output_path, client, poll);
  return run.run(dataset_path);
}

CancelResult cancel_openai_job(const fs::path& output_path, const openai::ClientConfig& client) {
  const fs::path state_path = state_path_for(output_path);
  std::optional<JobState> state = load_job_state(state_path);
  if (!state)
    throw UsageError(state_path.string() + " does not exist: no fine-tuning job was started for --output_path " +
                     output_path.string() + "; nothing to cancel");
  check_server(*state, state_path, client);
  openai::FineTuningApi api(client);
  if (!state->job_id && state->training_file_id) {
    if (auto job = find_job_for_file(api, *state->training_file_id)) {
      state->job_id = job->id;
      state->status = job->status;
      save_job_state(state_path, *state);
    }
  }
  if (!state->job_id)
    throw UsageError(state_path.string() + ": no job was created" +
                     (state->training_file_id
                          ? " (only the training file " + *state->training_file_id + " was uploaded)"
                          : std::string()) +
                     "; nothing to cancel");
  const std::string id = *state->job_id;
  openai::FineTuningJob job = api.retrieve_job(id);
  CancelResult result{id, job.status, job.finished()};
  if (!job.finished()) {
    try {
      job = api.cancel_job(id);
    } catch (const HttpError& e) {
      // A cancel whose answer was lost and then retried finds the job already cancelled.
      if (e.status() != 400 && e.status() != 409) throw;
      job = api.retrieve_job(id);
      if (!job.finished()) throw;
      result.was_finished = job.status != "cancelled";
    }
    result.status = job.status;
  }
  state->status = job.status;
  save_job_state(state_path, *state);
  return result;
}

}  // namespace sl::finetuning
