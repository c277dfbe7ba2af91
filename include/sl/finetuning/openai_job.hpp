// Fine-tuning on the OpenAI API (or any server with its /files and /fine_tuning/jobs):
//
//   1. subsample the dataset (max_dataset_size, seed) and write the training file beside the
//      output (<output_path>.training.jsonl);
//   2. upload it (purpose "fine-tune"), record the file id in the state file, wait until the
//      server has processed it;
//   3. create the job and record its id at once; a create whose answer was lost is looked up
//      (GET /fine_tuning/jobs, by training file) before it is ever sent again;
//   4. poll with backoff, logging status changes and the job's events, until it succeeds
//      (the model is ft:...), fails (sl::Error with the server's message) or is cancelled.
//
// A rerun with the same config and dataset continues from the state file: it never uploads or
// creates twice, and a crash between "create" and "record" is repaired by finding the job that
// trains on the recorded file. A rerun with another config or dataset for the same output
// refuses once a job may exist. Ctrl-C stops waiting and never cancels the job.
#pragma once

#include <filesystem>

#include "sl/finetuning/data_models.hpp"
#include "sl/finetuning/run_job.hpp"
#include "sl/openai/client_config.hpp"

namespace sl::finetuning {

JobResult run_openai_job(const OpenAIFinetuningJob& cfg, const std::filesystem::path& dataset_path,
                         const std::filesystem::path& output_path, const openai::ClientConfig& client,
                         const PollSettings& poll);

// Cancels the job recorded in <output_path>.job.json (POST /fine_tuning/jobs/{id}/cancel).
CancelResult cancel_openai_job(const std::filesystem::path& output_path, const openai::ClientConfig& client);

}  // namespace sl::finetuning
