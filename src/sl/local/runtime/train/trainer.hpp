// The training loop behind RuntimePlugin::train (see sl/local/runtime/train/training.hpp for
// what a job means, docs/finetuning-local.md for the user's view).
//
// Per optimizer step: for each of its batches, the packed sequences run forward under autograd
// (CausalLM::forward, no padding in projections and MLPs), the rows that carry loss go through
// the LM head and the loss a chunk at a time with their gradient (lm_head_loss.hpp), and autograd
// takes it back through the body; then the global gradient norm is clipped and AdamW updates
// the trainable tensors (fused loop). Checkpoints, the step log and the progress bar sit between
// steps.
#pragma once

#include <vector>

#include "sl/local/runtime/train/training.hpp"

namespace sl::local {

// Validates the job and the examples (sl::UsageError naming the example and the problem), then
// trains and writes the outputs.
TrainingResult train_model(const TrainingJob& job, const std::vector<TrainingExample>& examples, const TrainingHooks& hooks);

}  // namespace sl::local
