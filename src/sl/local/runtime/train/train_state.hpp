// The state a training run carries from step to step: the tensors it trains (LoRA adapter 1 on
// the model's projections, or every weight) with their gradients, and AdamW's moments, all
// float32 on the model's device. It is made fresh for a job, continued from a checkpoint, saved
// to one (from CPU copies: the file does not depend on the device), and moved by AdamW updates.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <vector>

#include "sl/local/runtime/model/causal_lm.hpp"
#include "sl/local/runtime/train/train_checkpoint.hpp"
#include "sl/local/runtime/train/trainable_weights.hpp"
#include "sl/local/runtime/train/training.hpp"

namespace sl::local {

class TrainState {
 public:
  // Attaches a fresh LoRA adapter (initialised from the job's seed) or makes every weight
  // trainable; zero moments and zero gradients.
  TrainState(CausalLM& model, const TrainingJob& job);

  // Continues from the job's checkpoint when one exists (it must be of this run, `expected`;
  // one left by an unfinished run while job.checkpoint.resume is false is an sl::UsageError).
  // Returns the optimizer steps already done (0 = start fresh).
  std::int64_t resume(const CheckpointSettings& checkpoint, const TrainCheckpointInfo& expected);
  // Writes a checkpoint of `info.step` steps done.
  void save(const std::filesystem::path& path, const TrainCheckpointInfo& info) const;

  void zero_grad();
  // The global L2 norm of all gradients.
  double grad_norm() const;
  // AdamW's update of optimizer step `step` (0-based) at learning rate `lr`, with the gradients
  // scaled by `clip` (global-norm clipping) first.
  void adamw_update(const OptimizerSettings& optimizer, double lr, double clip, std::int64_t step);

  std::int64_t trainable_parameters() const { return trainable_; }
  // The trained tensors (in checkpoint order), and those followed by AdamW's moments: what
  // data-parallel ranks sum gradients of, and what rank 0 sends the others on resume.
  std::vector<torch::Tensor> trained_tensors() const;
  std::vector<torch::Tensor> state_tensors() const;

 private:
  std::vector<TrainableTensor> params_;
  std::vector<torch::Tensor> adam_m_, adam_v_;
  std::int64_t trainable_ = 0;
  bool fused_ = true;  // the fused CPU kernels (else adamw_torch.hpp), as the model's device says
};

}  // namespace sl::local
