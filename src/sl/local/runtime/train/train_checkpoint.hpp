// Resume points of a training run: one safetensors file holding the trainable tensors and
// AdamW's moments ("param/<name>", "adam_m/<name>", "adam_v/<name>", float32) with the step and
// the job's fingerprint in its metadata. Written atomically, so a kill leaves the previous
// checkpoint or the new one. Data order and dropout masks are functions of (seed, step), so
// nothing else is needed to continue bit for bit.
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "sl/local/runtime/train/trainable_weights.hpp"

namespace sl::local {

struct TrainCheckpointInfo {
  std::int64_t step = 0;         // optimizer steps done
  std::int64_t total_steps = 0;  // of the run
  std::string fingerprint;
  // Processes of the data-parallel run that wrote it (metadata "world_size"; absent = 1). The
  // global batch, and so every step, depends on it: another world size cannot resume.
  int world_size = 1;
};

void save_train_checkpoint(const std::filesystem::path& path, const TrainCheckpointInfo& info,
                           const std::vector<TrainableTensor>& params, const std::vector<torch::Tensor>& adam_m,
                           const std::vector<torch::Tensor>& adam_v);

// Reads `path` into params (in place) and the moments. A checkpoint of another job (different
// fingerprint, step count, world size, tensor names or shapes) is an sl::UsageError naming the file.
TrainCheckpointInfo load_train_checkpoint(const std::filesystem::path& path, const TrainCheckpointInfo& expected,
                                          std::vector<TrainableTensor>& params, std::vector<torch::Tensor>& adam_m,
                                          std::vector<torch::Tensor>& adam_v);

}  // namespace sl::local
