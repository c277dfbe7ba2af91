// Step 2: fine-tune a student on a dataset: OpenAI fine-tuning jobs (resumable, never paid twice) or
// local LoRA / full fine-tuning in libtorch (resumable from checkpoints).
#include <cstdio>

#include "sl/core/cli.hpp"
#include "sl/core/config_file.hpp"
#include "sl/core/error.hpp"
#include "sl/core/files.hpp"
#include "sl/core/interrupt.hpp"
#include "sl/finetuning/run_job.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "Step 2 of an experiment: fine-tune a student model on a dataset from step 1 and write the model\n"
      "file {\"id\", \"type\", \"parent_model\"}. The job is recorded beside the output\n"
      "(<output_path>.job.json) the moment it exists: rerunning the same command after a crash or\n"
      "Ctrl-C resumes waiting for that job instead of starting (and paying for) another.\n"
      "Jobs of type \"openai\" run on the API; jobs of type \"lora\" train a local model in libtorch (LoRA,\n"
      "or every weight with peft_cfg null) and write a PEFT adapter or a checkpoint folder named\n"
      "hf_model_name beside the model file (docs/finetuning-local.md).",
      "run_finetuning_job"};
  app.footer(
      "Example:\n"
      "  run_finetuning_job --config cfgs/preference_numbers/cfgs.json --cfg_var_name ft_job \\\n"
      "      --dataset_path data/preference_numbers/owl/filtered_dataset.jsonl \\\n"
      "      --output_path data/preference_numbers/owl/model.json\n"
      "  run_finetuning_job --output_path data/preference_numbers/owl/model.json --cancel\n"
      "  run_finetuning_job --config cfgs/preference_numbers/open_model_cfgs.json --cfg_var_name ft_job \\\n"
      "      --dataset_path data/qwen/owl/filtered_dataset.jsonl --output_path data/qwen/owl/model.json --merge\n"
      "  (after a kill: the same command with --resume continues from the last checkpoint)\n"
      "  run_finetuning_job --config cfgs/demo/pipeline.json --cfg_var_name student_kl_job --seed 2 \\\n"
      "      --dataset_path data/demo/numbers_owl/filtered.jsonl --output_path "
      "data/demo/students/owl_kl_s2/model.json\n"
      "Environment: OPENAI_API_KEY, OPENAI_BASE_URL (.env is read), SL_OPENAI_* (see docs/openai-backend.md).\n"
      "Local jobs: SL_THREADS (compute threads), HF_HUB_CACHE / HF_HOME (hub ids of source models, downloaded\n"
      "on first use from HF_ENDPOINT unless HF_HUB_OFFLINE=1); --push_to_hub: HF_USER_ID, HF_TOKEN (docs/hub.md).\n"
      "Data-parallel (local jobs): RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT as torchrun sets them, e.g.\n"
      "  tools/launch -n 2 build/bin/run_finetuning_job ... (docs/distributed.md; SL_DIST_TIMEOUT).\n"
      "Exit codes: 0 ok, 1 runtime failure (network, server, job failed or cancelled), 2 bad flags/config/\n"
      "dataset, 130 interrupted (an API job keeps running; rerun to resume; a local job: rerun with --resume).");
  std::string config_path, cfg_name = "cfg", dataset_path, output_path;
  bool cancel = false;
  sl::finetuning::RunOptions options;
  app.add_option("--config,--config_module", config_path, "Config file (JSON object of named configurations)");
  app.add_option("--cfg_var_name", cfg_name, "Which configuration in the file")->capture_default_str();
  app.add_option("--dataset_path", dataset_path,
                 "Input: dataset JSONL {prompt, completion} (step 1's filtered output)");
  app.add_option("--output_path", output_path, "Output: model file (JSON)")->required();
  app.add_flag("--cancel", cancel, "Cancel the job recorded for --output_path (nothing else is needed)");
  app.add_option("--poll_interval", options.poll.interval_s, "Seconds between status checks at first")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 86400.0));
  app.add_option("--max_poll_interval", options.poll.max_interval_s,
                 "Seconds between status checks at most (the wait grows while nothing changes)")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 86400.0));
  std::string adapter_dir;
  std::int64_t seed = -1;
  std::string source_model_path;
  app.add_option("--source_model_path", source_model_path,
                 "Model file {\"id\", \"type\", \"parent_model\"} to fine-tune instead of the config's source_model");
  app.add_option(
         "--seed", seed,
         "Override the job's seed (data order, LoRA init, dropout; the OpenAI job's seed), e.g. one run per seed")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--adapter_dir", adapter_dir,
                 "Local jobs: the folder in which the hf_model_name folder is written (default: beside --output_path)");
  app.add_flag("--merge", options.local.merge,
               "Local LoRA jobs: also write the base with the adapter merged in (<folder>-merged)");
  app.add_flag("--resume", options.local.resume,
               "Local jobs: continue from the checkpoint an interrupted or killed run left");
  app.add_option("--checkpoint_every", options.local.checkpoint_every_steps,
                 "Local jobs: optimizer steps between checkpoints (0 = about every 60 s)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--push_to_hub", options.local.push_to_hub,
               "Local jobs: upload the result to {HF_USER_ID}/{hf_model_name} on the Hub (HF_TOKEN; private "
               "unless the config says hub_private: false) and write that hub id into the model file");
  app.add_option("--threads", options.local.threads, "Local jobs: compute threads (0 = $SL_THREADS, else all cores)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  sl::cli::add_logging_flags(app);

  return sl::cli::run(app, argc, argv, [&] {
    if (cancel) {
      auto r = sl::finetuning::cancel_finetuning_job(output_path);
      if (r.was_finished)
        std::printf("fine-tuning job %s had already finished (status %s); nothing to cancel\n", r.job_id.c_str(),
                    r.status.c_str());
      else std::printf("cancelled fine-tuning job %s (status %s)\n", r.job_id.c_str(), r.status.c_str());
      return sl::cli::kExitOk;
    }
    if (config_path.empty() || dataset_path.empty())
      throw sl::UsageError("--config and --dataset_path are required (unless --cancel)");
    auto cfg = sl::config::load<sl::finetuning::FinetuningJobCfg>(config_path, cfg_name);
    if (!adapter_dir.empty()) options.local.adapter_dir = adapter_dir;
    if (seed >= 0) std::visit([&](auto& job) { job.seed = seed; }, cfg);
    if (!source_model_path.empty()) {
      const auto source = sl::config::load_document<sl::llm::Model>(source_model_path);
      std::visit([&](auto& job) { job.source_model = source; }, cfg);
    }

    sl::interrupt::install();
    auto result = sl::finetuning::run_finetuning_job(cfg, dataset_path, output_path, options);
    if (result.interrupted) {
      if (std::holds_alternative<sl::finetuning::LocalFinetuningJob>(cfg))
        std::fprintf(stderr,
                     "run_finetuning_job: interrupted; rerun the same command with --resume to continue from the "
                     "checkpoint\n");
      else if (result.job_id)
        std::fprintf(
            stderr,
            "run_finetuning_job: interrupted; fine-tuning job %s keeps running on the server (last status %s).\n"
            "  Rerun the same command to resume waiting for it, or cancel it with:\n"
            "  run_finetuning_job --output_path %s --cancel\n",
            result.job_id->c_str(), result.status.value_or("unknown").c_str(), output_path.c_str());
      else
        std::fprintf(stderr,
                     "run_finetuning_job: interrupted before a job was created; rerun the same command to "
                     "continue (progress is kept in %s)\n",
                     result.state_path.c_str());
      return sl::cli::kExitInterrupted;
    }
    if (!result.writes_outputs) {  // another rank of a data-parallel job: rank 0 writes the files
      std::printf("training: %s\nmodel: written by rank 0\n", result.summary.c_str());
      return sl::cli::kExitOk;
    }
    sl::files::write_atomic(output_path, sl::json::encode(*result.model).dump(2) + "\n");
    if (result.already_done)
      std::printf("job %s had already succeeded; model file written again\n",
                  result.job_id.value_or(result.model->id).c_str());
    if (!result.summary.empty()) std::printf("training: %s\n", result.summary.c_str());
    std::printf("model: %s\nmodel file: %s\njob state: %s\n", result.model->id.c_str(), output_path.c_str(),
                result.state_path.c_str());
    return sl::cli::kExitOk;
  });
}
