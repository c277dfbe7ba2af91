// Step 2: fine-tune a student on a dataset (OpenAI fine-tuning jobs), resumable and never paid twice.
#include <cstdio>

#include "sl/core/cli.hpp"
#include "sl/core/config_file.hpp"
#include "sl/core/error.hpp"
#include "sl/core/files.hpp"
#include "sl/core/interrupt.hpp"
#include "sl/finetuning/run_job.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Step 2 of an experiment: fine-tune a student model on a dataset from step 1 and write the model\n"
               "file {\"id\", \"type\", \"parent_model\"}. The job is recorded beside the output\n"
               "(<output_path>.job.json) the moment it exists: rerunning the same command after a crash or\n"
               "Ctrl-C resumes waiting for that job instead of starting (and paying for) another.",
               "run_finetuning_job"};
  app.footer(
      "Example:\n"
      "  run_finetuning_job --config cfgs/preference_numbers/cfgs.json --cfg_var_name ft_job \\\n"
      "      --dataset_path data/preference_numbers/owl/filtered_dataset.jsonl \\\n"
      "      --output_path data/preference_numbers/owl/model.json\n"
      "  run_finetuning_job --output_path data/preference_numbers/owl/model.json --cancel\n"
      "Environment: OPENAI_API_KEY, OPENAI_BASE_URL (.env is read), SL_OPENAI_* (see docs/openai-backend.md).\n"
      "Exit codes: 0 ok, 1 runtime failure (network, server, job failed or cancelled), 2 bad flags/config/\n"
      "dataset, 130 interrupted (the job keeps running; rerun to resume).");
  std::string config_path, cfg_name = "cfg", dataset_path, output_path;
  bool cancel = false;
  sl::finetuning::RunOptions options;
  app.add_option("--config,--config_module", config_path, "Config file (JSON object of named configurations)");
  app.add_option("--cfg_var_name", cfg_name, "Which configuration in the file")->capture_default_str();
  app.add_option("--dataset_path", dataset_path, "Input: dataset JSONL {prompt, completion} (step 1's filtered output)");
  app.add_option("--output_path", output_path, "Output: model file (JSON)")->required();
  app.add_flag("--cancel", cancel, "Cancel the job recorded for --output_path (nothing else is needed)");
  app.add_option("--poll_interval", options.poll.interval_s, "Seconds between status checks at first")
      ->capture_default_str()->check(CLI::Range(0.001, 86400.0));
  app.add_option("--max_poll_interval", options.poll.max_interval_s,
                 "Seconds between status checks at most (the wait grows while nothing changes)")
      ->capture_default_str()->check(CLI::Range(0.001, 86400.0));
  sl::cli::add_logging_flags(app);

  return sl::cli::run(app, argc, argv, [&] {
    if (cancel) {
      auto r = sl::finetuning::cancel_finetuning_job(output_path);
      if (r.was_finished)
        std::printf("fine-tuning job %s had already finished (status %s); nothing to cancel\n", r.job_id.c_str(),
                    r.status.c_str());
      else
        std::printf("cancelled fine-tuning job %s (status %s)\n", r.job_id.c_str(), r.status.c_str());
      return sl::cli::kExitOk;
    }
    if (config_path.empty() || dataset_path.empty())
      throw sl::UsageError("--config and --dataset_path are required (unless --cancel)");
    auto cfg = sl::config::load<sl::finetuning::FinetuningJobCfg>(config_path, cfg_name);

    sl::interrupt::install();
    auto result = sl::finetuning::run_finetuning_job(cfg, dataset_path, output_path, options);
    if (result.interrupted) {
      if (result.job_id)
        std::fprintf(stderr,
                     "run_finetuning_job: interrupted; fine-tuning job %s keeps running on the server (last status %s).\n"
                     "  Rerun the same command to resume waiting for it, or cancel it with:\n"
                     "  run_finetuning_job --output_path %s --cancel\n",
                     result.job_id->c_str(), result.status.value_or("unknown").c_str(), output_path.c_str());
      else
        std::fprintf(stderr, "run_finetuning_job: interrupted before a job was created; rerun the same command to "
                     "continue (progress is kept in %s)\n", result.state_path.c_str());
      return sl::cli::kExitInterrupted;
    }
    sl::files::write_atomic(output_path, sl::json::encode(*result.model).dump(2) + "\n");
    if (result.already_done) std::printf("job %s had already succeeded; model file written again\n", result.job_id->c_str());
    std::printf("model: %s\nmodel file: %s\njob state: %s\n", result.model->id.c_str(), output_path.c_str(),
                result.state_path.c_str());
    return sl::cli::kExitOk;
  });
}
