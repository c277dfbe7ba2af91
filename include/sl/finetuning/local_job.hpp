// Fine-tuning a local model in libtorch (job type "lora"; `peft_cfg: null` = full fine-tuning):
//
//   1. subsample the dataset (max_dataset_size, seed: as the OpenAI job) and turn the rows into
//      chat examples with the source model's chat template (chat_examples.hpp);
//   2. train through the runtime plugin (sl::local::runtime_plugin().train), with a progress
//      bar, a JSONL line per optimizer step (<output_path>.steps.jsonl) and periodic checkpoints
//      (<output_path>.checkpoint.safetensors) that `resume` continues from, bit for bit;
//   3. write the result in a folder named hf_model_name beside the model file (or in
//      adapter_dir): a PEFT adapter, or a whole Hugging Face checkpoint for full fine-tuning;
//      with `merge`, also <folder>-merged, the base with the adapter merged in.
//
// The job state (<output_path>.job.json) records the config and the training data's hash; a
// rerun of a finished job returns its model without training again. See docs/finetuning-local.md.
#pragma once

#include <filesystem>
#include <optional>

#include "sl/finetuning/data_models.hpp"
#include "sl/finetuning/run_job.hpp"

namespace sl::finetuning {

JobResult run_local_job(const LocalFinetuningJob& cfg, const std::filesystem::path& dataset_path,
                        const std::filesystem::path& output_path, const LocalRunOptions& options);

// Where the job writes its files, derived from the output path and the config.
struct LocalJobPaths {
  std::filesystem::path model_dir;   // the adapter or checkpoint folder
  std::filesystem::path merged_dir;  // with merge
  std::filesystem::path checkpoint;  // resume point
  std::filesystem::path step_log;    // one JSON line per optimizer step
  std::filesystem::path state;       // the job state
};
LocalJobPaths local_job_paths(const LocalFinetuningJob& cfg, const std::filesystem::path& output_path,
                              const LocalRunOptions& options);

}  // namespace sl::finetuning
