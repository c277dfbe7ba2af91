// What a training run does at each optimizer step, decided before the first one: which examples
// form each batch (shuffled per epoch, length-bucketed) and the learning rate. Both are pure
// functions of the settings, the seed and the step, so a resumed run needs only the step number.
// Torch-free.
#pragma once

#include <cstdint>
#include <vector>

#include "sl/local/runtime/train/training.hpp"

namespace sl::local {

struct PlannedStep {
  std::vector<std::vector<std::int32_t>> batches;  // example indices of each forward/backward pass
  double epoch_end = 0;                            // fractional epochs done after this step
};

// The whole run: `settings.max_steps` steps when set, else n_epochs epochs of
// ceil(ceil(n / batch_size) / gradient_accumulation_steps) steps (an epoch's last step may
// accumulate fewer batches, and its last batch hold fewer examples, as Transformers' Trainer).
//
// Epoch e visits every example once: a Fisher-Yates shuffle seeded by (seed, e); each window of
// bucket_window_batches * batch_size shuffled examples is sorted by length (stable) and cut into
// batches, so a batch holds sequences of similar length (little attention padding); then the
// epoch's batches are shuffled, so lengths do not rise within a window.
std::vector<PlannedStep> plan_training(const std::vector<std::int64_t>& lengths, const TrainingSettings& settings);

// Optimizer steps the run will take (plan_training(...).size(), without building the plan).
std::int64_t planned_step_count(std::size_t examples, const TrainingSettings& settings);

// The learning rate of optimizer step `step` (0-based) of `total`, as Transformers' schedules:
// warmup lr * step / warmup_steps, then "linear" lr * (total - step) / (total - warmup),
// "cosine" lr * 0.5 (1 + cos(pi * progress)), "constant" lr; linear and cosine are lifted to
// end at min_lr_ratio * lr instead of 0 (the floor is blended: f * (1 - min) + min).
double learning_rate_at(const OptimizerSettings& optimizer, std::int64_t step, std::int64_t total);

}  // namespace sl::local
