// Plain data types of step 2 (fine-tuning) and their JSON mapping: the job configurations (a
// tagged union on "type", one alternative per kind of job) and the job state file that
// run_finetuning_job keeps beside its output. Shapes follow the reference tool's
// sl/finetuning/data_models.py where it has them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "sl/core/json_decode.hpp"
#include "sl/llm/data_models.hpp"
#include "sl/local/runtime/train/training.hpp"

namespace sl::finetuning {

// A hyperparameter that is "auto" (the service chooses; std::nullopt) or a value.
template <class T>
struct AutoOr {
  std::optional<T> value;

  bool is_auto() const { return !value.has_value(); }
  friend bool operator==(const AutoOr&, const AutoOr&) = default;
};

// A fine-tuning job on the OpenAI API (the reference's OpenAIFTJob). Paper settings: seed 1,
// max_dataset_size 10000, n_epochs 10, lr_multiplier and batch_size "auto".
struct OpenAIFinetuningJob {
  std::string type;  // "openai"
  std::int64_t seed = 1;
  llm::Model source_model;
  // When the dataset has more rows, random.Random(seed).sample(rows, max_dataset_size) is used.
  std::optional<std::int64_t> max_dataset_size;
  std::int64_t n_epochs = 10;
  AutoOr<double> lr_multiplier;     // "auto" or a positive number
  AutoOr<std::int64_t> batch_size;  // "auto" or a positive integer

  static auto json_fields() {
    using namespace sl::json;
    using J = OpenAIFinetuningJob;
    return std::tuple{
        required("type", &J::type, one_of({"openai"})), required("seed", &J::seed, non_negative()),
        required("source_model", &J::source_model),     optional_omitted("max_dataset_size", &J::max_dataset_size),
        required("n_epochs", &J::n_epochs, positive()), optional("lr_multiplier", &J::lr_multiplier),
        optional("batch_size", &J::batch_size)};
  }
  void validate(const json::Reader& r) const;
};

// Training settings of a local job (the reference's UnslothFinetuningJob.TrainCfg, plus what
// the embedded demo needs: the loss, Adam's betas, a floor for the schedule, a step budget).
// The defaults of the additions keep the paper's behaviour. See docs/finetuning-local.md.
// The optimizer's settings (lr, lr_scheduler_type, warmup_steps, max_grad_norm, weight_decay,
// min_lr_ratio, adam_beta1, adam_beta2: the runtime's OptimizerSettings, whose defaults are the
// reference's) sit flat among the others, in the reference's order.
struct LocalTrainCfg : local::OptimizerSettings {
  std::int64_t n_epochs = 3;
  std::int64_t max_seq_length = 500;
  std::int64_t per_device_train_batch_size = 22;
  std::int64_t gradient_accumulation_steps = 3;
  // Additions (not in the reference).
  std::string loss = "sft";  // "sft" (hard labels) | "kl_topk" (the rows' logprobs)
  // "kl_topk" only, and required there: "numbers" | "all" (null / absent with kl_topk is an error).
  std::optional<std::string> kl_tokens;
  std::optional<std::int64_t> max_steps;
  // Gradient checkpointing per decoder layer (transformers' TrainingArguments key); null /
  // absent = on on CUDA, off on the CPU.
  std::optional<bool> gradient_checkpointing;

  static auto json_fields() {
    using namespace sl::json;
    using T = LocalTrainCfg;
    using O = local::OptimizerSettings;
    return std::tuple{
        required("n_epochs", &T::n_epochs, positive()),
        required("max_seq_length", &T::max_seq_length, positive()),
        required<T>(&O::lr),
        required<T>(&O::lr_scheduler_type),
        required<T>(&O::warmup_steps),
        required("per_device_train_batch_size", &T::per_device_train_batch_size, positive()),
        required("gradient_accumulation_steps", &T::gradient_accumulation_steps, positive()),
        required<T>(&O::max_grad_norm),
        optional<T>(&O::weight_decay),
        optional("loss", &T::loss, one_of({"sft", "kl_topk"})),
        Field<T, std::optional<std::string>>{"kl_tokens", &T::kl_tokens, false, one_of({"all", "numbers"}), true},
        optional<T>(&O::min_lr_ratio),
        optional<T>(&O::adam_beta1),
        optional<T>(&O::adam_beta2),
        Field<T, std::optional<std::int64_t>>{"max_steps", &T::max_steps, false, positive(), true},
        optional_omitted("gradient_checkpointing", &T::gradient_checkpointing)};
  }
  void validate(const json::Reader& r) const;
};

// A LoRA (or, with peft_cfg null, full) fine-tuning job of a local model in libtorch (the
// reference's UnslothFinetuningJob). The result is a folder named hf_model_name beside the
// model file: a PEFT adapter, or a whole Hugging Face checkpoint for full fine-tuning.
struct LocalFinetuningJob {
  std::string type;  // "lora"
  std::int64_t seed = 1;
  llm::Model source_model;
  std::string hf_model_name;
  std::optional<std::int64_t> max_dataset_size;
  // The reference's PeftCfg: PEFT's LoraConfig keys (paper: r 8, lora_alpha 8, the seven
  // projections). null = full fine-tuning (every weight trains).
  std::optional<local::LoraSettings> peft_cfg;
  LocalTrainCfg train_cfg;
  // After training, upload the result folder to the Hub as {HF_USER_ID}/{hf_model_name} (private
  // unless hub_private is false) and write that hub id into the model file (push_to_hub.hpp).
  // Neither is part of the training's identity: adding them to a finished job only pushes.
  std::optional<bool> push_to_hub;
  std::optional<bool> hub_private;

  static auto json_fields() {
    using namespace sl::json;
    using J = LocalFinetuningJob;
    return std::tuple{required("type", &J::type, one_of({"lora"})),
                      required("seed", &J::seed, non_negative()),
                      required("source_model", &J::source_model),
                      required("hf_model_name", &J::hf_model_name, non_empty()),
                      optional_omitted("max_dataset_size", &J::max_dataset_size),
                      required("peft_cfg", &J::peft_cfg),
                      required("train_cfg", &J::train_cfg),
                      optional_omitted("push_to_hub", &J::push_to_hub),
                      optional_omitted("hub_private", &J::hub_private)};
  }
  void validate(const json::Reader& r) const;
};

// Every kind of job run_finetuning_job knows. A new kind is one more alternative here, its tag
// in the Codec below, and its own source file (see run_job.cpp for the dispatch).
using FinetuningJobCfg = std::variant<OpenAIFinetuningJob, LocalFinetuningJob>;

// What the job state file (`<output_path>.job.json`) records about the training data: enough
// to tell a rerun with another dataset from a rerun of the same command.
struct JobStateDataset {
  std::string path;                // as given on the command line (informational)
  std::int64_t rows = 0;           // rows in the dataset
  std::int64_t rows_used = 0;      // rows in the training file (after max_dataset_size)
  std::string training_file_hash;  // "fnv1a64:..." of the training file's bytes

  static auto json_fields() {
    using namespace sl::json;
    using D = JobStateDataset;
    return std::tuple{required("path", &D::path), required("rows", &D::rows, non_negative()),
                      required("rows_used", &D::rows_used, non_negative()),
                      required("training_file_hash", &D::training_file_hash, non_empty())};
  }
};

// The job state file: written atomically at every step that matters, so that a rerun of the
// same command after a crash, SIGKILL or Ctrl-C continues the same paid job instead of starting
// another. See docs/finetuning-openai.md.
struct JobState {
  std::string kind = "run_finetuning_job";
  std::int64_t version = 1;
  std::string job_type;  // "openai"
  std::string base_url;  // the server the ids below belong to
  Json config;           // the job configuration, as decoded (encoded back)
  JobStateDataset dataset;
  std::optional<std::string> training_file_id;  // recorded before the job is created
  std::optional<std::string> job_id;            // recorded as soon as the server answers
  std::optional<std::string> status;            // the job's last status seen
  std::optional<std::string> fine_tuned_model;  // once succeeded
  std::string updated_at;                       // UTC, ISO 8601 (informational)

  static auto json_fields() {
    using namespace sl::json;
    using S = JobState;
    return std::tuple{required("kind", &S::kind, one_of({"run_finetuning_job"})),
                      required("version", &S::version, int_range(1, 1)),
                      required("job_type", &S::job_type, non_empty()),
                      required("base_url", &S::base_url),
                      required("config", &S::config),
                      required("dataset", &S::dataset),
                      optional("training_file_id", &S::training_file_id),
                      optional("job_id", &S::job_id),
                      optional("status", &S::status),
                      optional("fine_tuned_model", &S::fine_tuned_model),
                      optional("updated_at", &S::updated_at)};
  }
};

}  // namespace sl::finetuning

namespace sl::json {

template <>
struct Codec<sl::finetuning::AutoOr<double>> {
  static sl::finetuning::AutoOr<double> decode(const Reader& r);
  static Json encode(const sl::finetuning::AutoOr<double>& v) { return v.value ? Json(*v.value) : Json("auto"); }
  static std::string expected() { return "\"auto\" or a positive number"; }
};

template <>
struct Codec<sl::finetuning::AutoOr<std::int64_t>> {
  static sl::finetuning::AutoOr<std::int64_t> decode(const Reader& r);
  static Json encode(const sl::finetuning::AutoOr<std::int64_t>& v) { return v.value ? Json(*v.value) : Json("auto"); }
  static std::string expected() { return "\"auto\" or a positive integer"; }
};

template <>
struct Codec<sl::finetuning::FinetuningJobCfg> {
  static sl::finetuning::FinetuningJobCfg decode(const Reader& r) {
    return decode_tagged<sl::finetuning::FinetuningJobCfg>(r, {"openai", "lora"});
  }
  static Json encode(const sl::finetuning::FinetuningJobCfg& v) {
    return std::visit([](const auto& x) { return json::encode(x); }, v);
  }
  static std::string expected() { return "a fine-tuning job object"; }
};

}  // namespace sl::json
