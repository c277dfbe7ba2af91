// AdamW's settings and its learning-rate schedule, one type for every place they appear: the
// trainer (TrainingSettings::optimizer), a fine-tuning job's train_cfg and a demo base model's
// pretraining schedule (both spell the keys flat among their own). Torch-free.
#pragma once

#include <cstdint>
#include <string>

#include "sl/core/json_decode.hpp"

namespace sl::local {

// AdamW with global grad-norm clipping and its learning-rate schedule. The JSON keys are
// Hugging Face TrainingArguments' (the reference's "lr" for learning_rate); configs that spell
// them flat among their own keys list them with json::required/optional(&Cfg::optimizer, ...).
struct OptimizerSettings {
  double lr = 2e-4;
  std::string lr_scheduler_type = "linear";  // "linear" | "cosine" | "constant"
  std::int64_t warmup_steps = 5;
  // linear and cosine decay to min_lr_ratio * lr (0 = Transformers' schedules exactly).
  double min_lr_ratio = 0;
  double adam_beta1 = 0.9;
  double adam_beta2 = 0.999;
  double adam_epsilon = 1e-8;
  // Decoupled (AdamW); not applied to biases and norm weights, as the Transformers Trainer.
  double weight_decay = 0;
  double max_grad_norm = 1.0;  // 0 = no clipping

  static auto json_fields() {
    using namespace sl::json;
    using O = OptimizerSettings;
    return std::tuple{optional("lr", &O::lr, number_range(0, 1)),
                      optional("lr_scheduler_type", &O::lr_scheduler_type, one_of({"linear", "cosine", "constant"})),
                      optional("warmup_steps", &O::warmup_steps, non_negative()),
                      optional("min_lr_ratio", &O::min_lr_ratio, number_range(0, 1)),
                      optional("adam_beta1", &O::adam_beta1, number_range(0, 0.999999)),
                      optional("adam_beta2", &O::adam_beta2, number_range(0, 0.999999)),
                      optional("adam_epsilon", &O::adam_epsilon, positive_number()),
                      optional("weight_decay", &O::weight_decay, number_range(0, 1e9)),
                      optional("max_grad_norm", &O::max_grad_norm, number_range(0, 1e9))};
  }
};

}  // namespace sl::local
