// One optimizer step. For each of its passes, the packed sequences run forward under autograd
// (CausalLM::forward, no padding in projections and MLPs), the rows that carry loss go through
// the LM head and the loss a chunk at a time with their gradient (lm_head_loss.hpp), and autograd
// takes it back through the body; then the global gradient norm is clipped and AdamW updates
// the trainable tensors (fused loop).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "sl/local/runtime/compute/device.hpp"
#include "sl/local/runtime/model/causal_lm.hpp"
#include "sl/local/runtime/train/lm_head_loss.hpp"
#include "sl/local/runtime/train/train_state.hpp"
#include "sl/local/runtime/train/training.hpp"

namespace sl::local {

// One forward/backward pass: packed ids, the rows that carry loss and their targets.
struct PassInputs {
  std::vector<std::int64_t> ids;
  std::vector<SequenceChunk> chunks;
  std::vector<std::int64_t> loss_rows;
  LossTargets targets;
};

struct StepOutcome {
  double loss = 0;       // mean over the step's loss tokens
  double grad_norm = 0;  // before clipping
  double lr = 0;         // the learning rate the step used
};

// Runs the steps of one job on one model and state.
class OptimizerStep {
 public:
  // The model's adapter 1 is the LoRA being trained (job.lora), else every weight trains.
  OptimizerStep(CausalLM& model, TrainState& state, LmHeadLoss& loss, const TrainingJob& job,
                const ComputeDevice& device, std::int64_t total_steps);

  // Step `step` (0-based): `passes` are its batches in order, `loss_tokens` the loss tokens
  // they hold together (each token's loss weighs 1 / loss_tokens).
  StepOutcome run(std::int64_t step, std::vector<PassInputs>& passes, std::int64_t loss_tokens);

  // Data-parallel runs (data_parallel.hpp): `sync` runs between the backward passes and the
  // optimizer, summing the gradients and the loss sum over the ranks; `rank` keeps the ranks'
  // dropout masks apart (rank 0 draws those of a one-process run). A pass without sequences
  // (this rank's share of a short last batch) is skipped.
  void distribute(std::function<void(double& loss_sum)> sync, int rank) { sync_ = std::move(sync), rank_ = rank; }

 private:
  CausalLM& model_;
  TrainState& state_;
  LmHeadLoss& loss_;
  const TrainingJob& job_;
  const ComputeDevice& device_;
  std::int64_t total_steps_;
  torch::Tensor dh_;  // d loss / d hidden of the loss rows (reused)
  std::function<void(double& loss_sum)> sync_;
  int rank_ = 0;
};

}  // namespace sl::local
