#include "sl/finetuning/local_job.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>

#include "sl/core/error.hpp"
#include "sl/core/interrupt.hpp"
#include "sl/finetuning/chat_examples.hpp"
#include "sl/finetuning/job_state.hpp"
#include "sl/finetuning/push_to_hub.hpp"
#include "sl/finetuning/training_data.hpp"
#include "sl/llm/model_folder.hpp"
#include "sl/local/runtime/distributed/launch_env.hpp"
#include "sl/local/runtime/plugin/loader.hpp"

namespace sl::finetuning {

namespace fs = std::filesystem;

namespace {

constexpr const char* kJobType = "lora";

fs::path with_suffix(const fs::path& p, const std::string& suffix) { return fs::path(p.string() + suffix); }

// The rows exactly as trained on (logprobs included), for the state file's hash.
std::string rows_jsonl(const std::vector<datasets::DatasetRow>& rows) {
  std::string out;
  for (const auto& r : rows) out += json::encode(r).dump() + "\n";
  return out;
}

local::TrainingJob training_job(const LocalFinetuningJob& cfg, const LocalJobPaths& paths,
                                const LocalRunOptions& options, const fs::path& base_dir,
                                const std::string& fingerprint) {
  local::TrainingJob job;
  job.model.dir = base_dir.string();
  job.lora = cfg.peft_cfg;
  const auto& t = cfg.train_cfg;
  auto& s = job.settings;
  s.n_epochs = t.n_epochs;
  s.max_steps = t.max_steps;
  s.batch_size = t.per_device_train_batch_size;
  s.gradient_accumulation_steps = t.gradient_accumulation_steps;
  s.optimizer = t;  // train_cfg's optimizer settings
  s.loss = t.loss;
  s.gradient_checkpointing = t.gradient_checkpointing;
  s.seed = static_cast<std::uint64_t>(cfg.seed);
  job.output.dir = paths.model_dir;
  if (options.merge) job.output.merged_dir = paths.merged_dir;
  job.output.base_model_name = cfg.source_model.id;
  job.checkpoint.path = paths.checkpoint;
  job.checkpoint.every_steps = options.checkpoint_every_steps;
  job.checkpoint.resume = options.resume;
  job.checkpoint.fingerprint = fingerprint;
  job.step_log = paths.step_log;
  job.threads = options.threads;
  job.show_progress = options.show_progress;
  job.progress_label = "fine-tuning " + cfg.hf_model_name;
  job.launch = local::launch_env();
  return job;
}

llm::Model result_model(const LocalFinetuningJob& cfg, const fs::path& dir) {
  llm::Model m;
  m.id = dir.string();
  m.type = "open_source";
  m.parent_model = std::make_shared<llm::Model>(cfg.source_model);
  return m;
}

}  // namespace

LocalJobPaths local_job_paths(const LocalFinetuningJob& cfg, const fs::path& output_path,
                              const LocalRunOptions& options) {
  LocalJobPaths p;
  const fs::path parent = options.adapter_dir ? *options.adapter_dir : output_path.parent_path();
  p.model_dir = parent / cfg.hf_model_name;
  p.merged_dir = parent / (cfg.hf_model_name + "-merged");
  p.checkpoint = with_suffix(output_path, ".checkpoint.safetensors");
  p.step_log = with_suffix(output_path, ".steps.jsonl");
  p.state = state_path_for(output_path);
  return p;
}

namespace {

JobResult train_local_job(const LocalFinetuningJob& cfg, const fs::path& dataset_path, const fs::path& output_path,
                          const LocalRunOptions& options) {
  if (options.merge && !cfg.peft_cfg)
    throw UsageError("--merge applies to LoRA jobs; this job (peft_cfg null) trains every weight");
  const LocalJobPaths paths = local_job_paths(cfg, output_path, options);
  JobResult result;
  result.state_path = paths.state;
  result.job_id = cfg.hf_model_name;
  // Data-parallel (WORLD_SIZE > 1): every rank trains, rank 0 alone writes the job state, the
  // model folder and the model file.
  result.writes_outputs = local::launch_env().is_root();

  const auto rows = load_dataset(dataset_path);
  const auto used = subsample(rows, cfg.max_dataset_size, cfg.seed);
  const std::string data_hash = content_hash(rows_jsonl(used));
  // The hub settings say where the result goes, not what is trained: left out of the identity.
  Json config = json::encode(cfg);
  config.erase("push_to_hub");
  config.erase("hub_private");

  JobState state;
  state.job_type = kJobType;
  state.config = config;
  state.dataset.path = dataset_path.string();
  state.dataset.rows = static_cast<std::int64_t>(rows.size());
  state.dataset.rows_used = static_cast<std::int64_t>(used.size());
  state.dataset.training_file_hash = data_hash;
  std::error_code ec;
  if (auto existing = load_job_state(paths.state)) {
    if (existing->job_type != kJobType)
      throw UsageError(paths.state.string() + " records a \"" + existing->job_type +
                       "\" job, not a local \"lora\" job; use another --output_path");
    const bool same = existing->config == config && existing->dataset.training_file_hash == data_hash;
    if (same && existing->status == "succeeded" && existing->fine_tuned_model &&
        fs::exists(*existing->fine_tuned_model, ec)) {
      spdlog::info("this job already finished: {} (recorded in {}); not training again", *existing->fine_tuned_model,
                   paths.state.string());
      result.already_done = true;
      result.status = existing->status;
      result.model = result_model(cfg, *existing->fine_tuned_model);
      return result;
    }
    if (!same && fs::exists(paths.checkpoint, ec))
      throw UsageError(
          paths.state.string() + " records an unfinished job with a different config or dataset (its checkpoint is " +
          paths.checkpoint.string() + "); rerun that job with --resume, or delete both files to start this one");
    if (!same)
      spdlog::info("{}: an earlier job with a different config or dataset; starting over", paths.state.string());
  }
  if (fs::exists(paths.checkpoint, ec) && !options.resume)
    throw UsageError(paths.checkpoint.string() +
                     " holds the checkpoint of an unfinished run of this job: rerun with --resume to "
                     "continue it, or delete it to start over");

  const fs::path base_dir = llm::model_folder(cfg.source_model.id);
  const local::TextModel text = local::TextModel::load(base_dir);
  const bool kl = cfg.train_cfg.loss == "kl_topk";
  ChatExamples chat = build_chat_examples(used, text, {cfg.train_cfg.max_seq_length, kl});
  const auto& st = chat.stats;
  spdlog::info("{} rows -> {} examples, {} tokens ({} with loss)", st.rows, st.examples, st.tokens, st.loss_tokens);
  if (st.truncated || st.dropped_too_long)
    spdlog::warn(
        "{} rows were cut to max_seq_length {} and {} rows were left out (no completion token within the limit)",
        st.truncated, cfg.train_cfg.max_seq_length, st.dropped_too_long);
  if (st.dropped_misaligned_logprobs)
    spdlog::warn(
        "{} rows were left out: their logprobs do not line up with their completion's tokens (the teacher sampled a "
        "split of the text that the tokenizer does not produce)",
        st.dropped_misaligned_logprobs);
  if (st.dropped_token_id_mismatch)
    spdlog::warn(
        "{} rows were left out: this tokenizer splits their completion into other tokens than the teacher sampled "
        "(completion_token_ids), so their logprobs belong to another token sequence; first: {}",
        st.dropped_token_id_mismatch, st.first_token_id_mismatch);
  if (st.unknown_logprob_tokens)
    spdlog::warn("{} logprobs entries name no token of this tokenizer and were left out", st.unknown_logprob_tokens);
  result.summary = std::to_string(st.examples) + " examples, " + std::to_string(st.loss_tokens) + " loss tokens, " +
                   std::to_string(st.truncated) + " truncated, " + std::to_string(st.dropped_too_long) +
                   " dropped as too long" +
                   (st.dropped_misaligned_logprobs
                        ? ", " + std::to_string(st.dropped_misaligned_logprobs) + " dropped (logprobs misaligned)"
                        : "") +
                   (st.dropped_token_id_mismatch ? ", " + std::to_string(st.dropped_token_id_mismatch) +
                                                       " dropped (sampled token ids differ from the tokenization)"
                                                 : "");

  const std::string fingerprint = content_hash(config.dump() + "\n" + data_hash);
  local::TrainingJob job = training_job(cfg, paths, options, base_dir, fingerprint);
  auto save_state = [&] {
    if (result.writes_outputs) save_job_state(paths.state, state);
  };
  if (kl && cfg.train_cfg.kl_tokens == "numbers") {
    job.settings.kl_token_ids = number_token_ids(text, chat.end_of_turn_ids);
    spdlog::info("kl_tokens numbers: the loss is restricted to {} tokens (digits, separators, end tokens)",
                 job.settings.kl_token_ids.size());
  }

  state.status = "training";
  save_state();
  local::TrainingHooks hooks;
  hooks.should_stop = [] { return interrupt::requested(); };
  const local::TrainingResult trained = local::runtime_plugin().train(job, chat.examples, hooks);
  if (trained.interrupted) {
    state.status = "interrupted";
    save_state();
    result.interrupted = true;
    result.status = state.status;
    return result;
  }
  state.status = "succeeded";
  state.fine_tuned_model = paths.model_dir.string();
  save_state();
  result.status = state.status;
  result.model = result_model(cfg, paths.model_dir);
  result.summary +=
      ", " + std::to_string(trained.steps_done) + " steps, final loss " + std::to_string(trained.final_loss);
  if (!trained.kl_mask_dropped_per_epoch.empty()) {
    // Every full epoch sees each row once, so the shares differ only in a partial (max_steps) epoch.
    const double most =
        *std::max_element(trained.kl_mask_dropped_per_epoch.begin(), trained.kl_mask_dropped_per_epoch.end());
    result.summary +=
        fmt::format(", the kl_tokens mask dropped at most {:.2f}% of the teacher's top-k mass per epoch", 100.0 * most);
  }
  return result;
}

}  // namespace

JobResult run_local_job(const LocalFinetuningJob& cfg, const fs::path& dataset_path, const fs::path& output_path,
                        const LocalRunOptions& options) {
  const bool push = options.push_to_hub || cfg.push_to_hub.value_or(false);
  // Checked before training, so that a missing HF_USER_ID or HF_TOKEN does not cost a run.
  const std::string hub_repo = push ? hub_repo_for(cfg.hf_model_name) : std::string();
  JobResult result = train_local_job(cfg, dataset_path, output_path, options);
  if (push && result.model && !result.interrupted) {
    push_folder_to_hub(result.model->id, hub_repo, cfg.hub_private.value_or(true));
    result.model->id = hub_repo;
  }
  return result;
}

}  // namespace sl::finetuning
