// Training local models, as seen from outside the runtime plugin: LoRA or full fine-tuning of
// a checkpoint, or training fresh random weights, on pre-tokenized examples.
//
// Torch-free on purpose (like engine.hpp): the fine-tuning service and the pretraining tool fill
// these plain structs and call RuntimePlugin::train(); all libtorch code stays in the plugin.
//
//   TrainingJob job;
//   job.model.dir = "data/models/base";                    // or job.model.random_init
//   job.lora = LoraSettings{};                             // std::nullopt = every weight trains
//   job.settings.n_epochs = 3;
//   job.output.dir = "data/students/owl";
//   auto result = sl::local::runtime_plugin().train(job, examples, {});
//
// Semantics (docs/finetuning-local.md): examples are grouped into batches of
// `batch_size` examples (length-bucketed within shuffled windows), `gradient_accumulation_steps`
// batches make one optimizer step, the loss of a step is the mean over all its loss tokens,
// AdamW with decoupled weight decay, a warmup + linear/cosine/constant schedule as Hugging Face
// Transformers computes it, global grad-norm clipping. Everything random (data order, LoRA
// init, dropout) derives from `settings.seed`: the same job gives the same weights, bit for bit
// on the CPU, also after a kill and a resume from the last checkpoint.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sl/core/json_decode.hpp"
#include "sl/local/runtime/distributed/launch_env.hpp"
#include "sl/local/runtime/model/lora_settings.hpp"
#include "sl/local/runtime/train/optimizer_settings.hpp"

namespace sl::local {

// The teacher's distribution at one position: its top-k tokens (most likely first) with their
// log-probabilities (natural log). Used by the "kl_topk" loss.
struct SoftTarget {
  std::vector<std::int32_t> ids;
  std::vector<float> logprobs;
};

// One training sequence.
struct TrainingExample {
  std::vector<std::int32_t> ids;
  // loss_mask[t] = 1: the model is trained to predict ids[t] from ids[0..t) (so loss_mask[0]
  // must be 0). Same length as ids.
  std::vector<std::uint8_t> loss_mask;
  // Empty, or one entry per loss position (loss_mask[t] = 1), in order. Needed by "kl_topk";
  // an entry without ids carries no loss.
  std::vector<SoftTarget> soft_targets;
};

struct TrainingSettings {
  std::int64_t n_epochs = 1;
  // When set, exactly this many optimizer steps (the data is cycled through as often as
  // needed; the schedule spans these steps), whatever n_epochs says.
  std::optional<std::int64_t> max_steps;
  std::int64_t batch_size = 8;                   // examples per forward/backward pass
  std::int64_t gradient_accumulation_steps = 1;  // passes per optimizer step
  OptimizerSettings optimizer;
  // "sft": cross-entropy on the token ids. "kl_topk": KL(teacher || student) per position,
  // teacher = soft_targets restricted to kl_token_ids and renormalised, student = softmax of
  // the logits over kl_token_ids (empty = the whole vocabulary). The teacher mass the
  // restriction drops is logged per epoch and written to the step log.
  std::string loss = "sft";
  std::vector<std::int32_t> kl_token_ids;
  std::uint64_t seed = 0;
  // Length bucketing: each window of this many batches (of shuffled examples) is sorted by
  // length before it is cut into batches, whose order is then shuffled.
  std::int64_t bucket_window_batches = 64;
  // Gradient checkpointing per decoder layer (transformers' gradient_checkpointing): each layer
  // keeps only its input for backward and runs again there, for about a third more compute and
  // the memory of one layer's activations instead of all. Unset = on on CUDA, off on the CPU.
  // Results are the same either way (docs/cuda.md).
  std::optional<bool> gradient_checkpointing;

  // Hugging Face TrainingArguments' keys where it has the setting. The trainer's checkpoint
  // fingerprint is this encoding.
  static auto json_fields() {
    using namespace sl::json;
    using T = TrainingSettings;
    return std::tuple{optional("n_epochs", &T::n_epochs, positive()),
                      optional("max_steps", &T::max_steps, positive()),
                      optional("per_device_train_batch_size", &T::batch_size, positive()),
                      optional("gradient_accumulation_steps", &T::gradient_accumulation_steps, positive()),
                      optional("optimizer", &T::optimizer),
                      optional("loss", &T::loss, one_of({"sft", "kl_topk"})),
                      optional("kl_token_ids", &T::kl_token_ids),
                      optional("seed", &T::seed),
                      optional("bucket_window_batches", &T::bucket_window_batches, positive()),
                      optional_omitted("gradient_checkpointing", &T::gradient_checkpointing)};
  }
};

// Where the weights come from: a checkpoint folder (or hub id), or fresh random weights.
struct RandomInit {
  std::string config_json;  // the text of a config.json (architecture and shapes)
  std::uint64_t seed = 0;
  double init_std = 0.02;  // N(0, std) matrices and embeddings; unit norms; zero biases

  static auto json_fields() {
    using namespace sl::json;
    using R = RandomInit;
    return std::tuple{required("config_json", &R::config_json), optional("seed", &R::seed),
                      optional("init_std", &R::init_std, positive_number())};
  }
};

struct ModelSource {
  std::string dir;  // a folder or hub id (model_locator.hpp); ignored when random_init is set
  std::optional<RandomInit> random_init;

  static auto json_fields() {
    using namespace sl::json;
    return std::tuple{optional("dir", &ModelSource::dir), optional("random_init", &ModelSource::random_init)};
  }
};

struct TrainingOutput {
  // LoRA: the PEFT adapter folder (adapter_config.json + adapter_model.safetensors).
  // Full training: a Hugging Face checkpoint folder (config.json + model.safetensors).
  std::filesystem::path dir;
  // LoRA only: also write base + adapter merged into this checkpoint folder.
  std::optional<std::filesystem::path> merged_dir;
  // Files copied into every checkpoint folder written (tokenizer.json, tokenizer_config.json,
  // generation_config.json, chat_template.jinja: those that exist). Empty = the base model's
  // folder when training from one.
  std::optional<std::filesystem::path> copy_files_from;
  // adapter_config.json's base_model_name_or_path (default: the model source as given).
  std::string base_model_name;
};

// Periodic resume points: trainable weights, AdamW state and the step (data order and dropout
// are functions of the seed and the step, so nothing else is needed).
struct CheckpointSettings {
  std::filesystem::path path;    // one safetensors file; empty = no checkpoints
  std::int64_t every_steps = 0;  // 0 = about every 60 seconds of training
  // Continue from `path` when it exists (it must belong to the same job: same settings and
  // data, checked by `fingerprint`); otherwise start from step 0.
  bool resume = false;
  // Identifies the job and its data (any string; the fine-tuning service hashes both). A
  // checkpoint with another fingerprint is refused.
  std::string fingerprint;
};

struct TrainingJob {
  ModelSource model;
  std::optional<LoraSettings> lora;  // nullopt = full training (every weight)
  TrainingSettings settings;
  TrainingOutput output;
  CheckpointSettings checkpoint;
  // One JSON line per optimizer step (step, epoch, loss, lr, grad_norm, tokens, tokens/s);
  // empty = none. A resumed run keeps the lines up to its checkpoint.
  std::filesystem::path step_log;
  std::string device;  // as EngineOptions::device
  int threads = 0;     // as EngineOptions::threads
  bool show_progress = true;
  std::string progress_label = "training";
  // The processes of a data-parallel run (launch_env(); docs/distributed.md): with world_size > 1
  // every rank runs the same job, settings.batch_size is per rank (the global batch is
  // batch_size x gradient_accumulation_steps x world_size), and rank 0 alone writes files.
  LaunchEnv launch;
};

// One optimizer step, as logged.
struct TrainingStep {
  std::int64_t step = 0;  // 1-based
  std::int64_t total_steps = 0;
  double epoch = 0;              // fractional epochs done
  double loss = 0;               // mean over the step's loss tokens
  double lr = 0;                 // the learning rate this step used
  double grad_norm = 0;          // before clipping
  std::int64_t tokens = 0;       // tokens through the model this step
  std::int64_t loss_tokens = 0;  // of which carried loss
  double seconds = 0;            // wall time of this step
  // Data-parallel runs: the seconds this rank spent summing the gradients over the ranks.
  std::optional<double> allreduce_seconds;
  // "kl_topk" with kl_token_ids: the share of the teacher's top-k probability mass (summed over
  // this step's loss positions) that falls on tokens outside kl_token_ids and is dropped, and on
  // an epoch's last step the same share over the whole epoch.
  std::optional<double> kl_mask_dropped;
  std::optional<double> epoch_kl_mask_dropped;
};

struct TrainingHooks {
  // Polled between optimizer steps; true = save a checkpoint and return (result.interrupted).
  std::function<bool()> should_stop;
  std::function<void(const TrainingStep&)> on_step;
};

struct TrainingResult {
  bool interrupted = false;
  std::int64_t steps_done = 0;
  std::int64_t total_steps = 0;
  std::int64_t resumed_from_step = 0;  // 0 = started fresh
  double final_loss = 0;               // the last step's loss
  std::int64_t trainable_parameters = 0;
  std::int64_t tokens = 0;  // tokens processed by this run (not counting steps before a resume)
  double seconds = 0;
  // "kl_topk" with kl_token_ids: per epoch (of the whole plan, also across a resume), the share
  // of the teacher's top-k mass the mask dropped (see TrainingStep::kl_mask_dropped).
  std::vector<double> kl_mask_dropped_per_epoch;
};

}  // namespace sl::local
