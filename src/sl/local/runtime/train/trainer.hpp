// The training loop behind RuntimePlugin::train (see sl/local/runtime/train/training.hpp for
// what a job means, docs/finetuning-local.md for the user's view): validates the job and the
// examples, loads the model, makes the train state (train_state.hpp) or resumes it, runs the
// planned optimizer steps (training_plan.hpp, train_step.hpp) with the step log, progress and
// checkpoints between them, and writes the outputs (training_outputs.hpp).
#pragma once

#include <vector>

#include "sl/local/runtime/train/training.hpp"

namespace sl::local {

// Validates the job and the examples (sl::UsageError naming the example and the problem), then
// trains and writes the outputs.
TrainingResult train_model(const TrainingJob& job, const std::vector<TrainingExample>& examples,
                           const TrainingHooks& hooks);

}  // namespace sl::local
