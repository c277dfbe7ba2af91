// Step 2 of an experiment: fine-tune a student on a dataset, for any kind of job config.
//
//   auto result = sl::finetuning::run_finetuning_job(cfg, "filtered.jsonl", "model.json", {});
//   if (result.model) write the model file;
//
// Every kind of job keeps a state file beside the output (<output_path>.job.json, see
// job_state.hpp) so that rerunning the same command resumes the same job instead of paying
// for another. The dispatch on the config's "type" lives in run_job.cpp; each kind of job has
// its own file (openai_job.cpp, ...).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "sl/finetuning/data_models.hpp"
#include "sl/llm/data_models.hpp"

namespace sl::finetuning {

// How often a remote job is looked at.
struct PollSettings {
  double interval_s = 10.0;        // first wait between status checks (and after every change)
  double max_interval_s = 60.0;    // waits grow by half while nothing changes, up to this
  double heartbeat_s = 300.0;      // a "still running" log line when nothing changed this long
  double file_timeout_s = 3600.0;  // an upload still not processed after this long is an error
  int create_attempts = 5;         // tries to create a job when the server may not have got it
};

// Local jobs (type "lora"): where the result goes, resume, threads. See local_job.hpp.
struct LocalRunOptions {
  // The folder named hf_model_name is created here (default: beside the model file).
  std::optional<std::filesystem::path> adapter_dir;
  bool merge = false;                       // LoRA: also write the base with the adapter merged in (<folder>-merged)
  bool resume = false;                      // continue from the checkpoint a killed or interrupted run left
  std::int64_t checkpoint_every_steps = 0;  // 0 = about every 60 s of training
  int threads = 0;                          // 0 = $SL_THREADS, else all cores (as the engine)
  bool show_progress = true;
  bool push_to_hub = false;  // --push_to_hub: as the config's push_to_hub (either one pushes)
};

struct RunOptions {
  PollSettings poll;
  LocalRunOptions local;
};

struct JobResult {
  // The fine-tuned model (id, type, parent_model = the source model), once the job succeeded.
  std::optional<llm::Model> model;
  // Ctrl-C (or SIGTERM) stopped the waiting; the job, if created, keeps running on the server.
  bool interrupted = false;
  // A rerun found the job already finished successfully; nothing new was started.
  bool already_done = false;
  std::optional<std::string> job_id;
  std::optional<std::string> status;  // the job's last status seen
  std::filesystem::path state_path;
  // Local jobs: one line about the data and the training (examples, truncations, steps, loss).
  std::string summary;
  // False on the ranks other than 0 of a data-parallel local job (WORLD_SIZE > 1): rank 0 alone
  // writes the job state, the model folder and the model file.
  bool writes_outputs = true;
};

struct CancelResult {
  std::string job_id;
  std::string status;         // after the call: "cancelled", or the final status it already had
  bool was_finished = false;  // the job had already ended; nothing was cancelled
};

JobResult run_finetuning_job(const FinetuningJobCfg& cfg, const std::filesystem::path& dataset_path,
                             const std::filesystem::path& output_path, const RunOptions& options);

// Cancels the job recorded for `output_path` (whatever kind the state file says it is).
CancelResult cancel_finetuning_job(const std::filesystem::path& output_path);

}  // namespace sl::finetuning
