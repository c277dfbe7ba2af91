// What identifies a training run, so that a checkpoint is only ever resumed by the run that
// wrote it: everything that decides the result (the model source, the LoRA and training
// settings as their JSON encoding, the caller's own fingerprint) and the examples' bytes.
// Torch-free.
#pragma once

#include <string>
#include <vector>

#include "sl/local/runtime/train/training.hpp"

namespace sl::local {

// "json-fnv1a64:" and 16 hex digits.
std::string job_fingerprint(const TrainingJob& job, const std::vector<TrainingExample>& examples);

}  // namespace sl::local
