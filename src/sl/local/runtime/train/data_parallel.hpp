// Data-parallel training (docs/distributed.md): what the trainer does differently when it is one
// of WORLD_SIZE processes (TrainingJob::launch). Each rank holds the whole model and the same
// training state; the plan is made for the global batch (per-device batch x accumulation x world
// size, as Hugging Face's Trainer counts it), each rank computes its strided share of every pass
// (rank r takes examples r, r + world, ... of the length-sorted batch, so shares have about the
// same tokens), the gradients are summed over the ranks in flat buckets (gradient_buckets.hpp),
// and every rank steps AdamW on the same gradients, so the states stay identical. Rank 0 alone
// reads and writes files (checkpoint, step log, outputs); on resume it sends the checkpoint's
// state to the others, so the ranks need no shared file system.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "sl/local/runtime/distributed/c10d_group.hpp"
#include "sl/local/runtime/distributed/gradient_buckets.hpp"
#include "sl/local/runtime/train/train_state.hpp"
#include "sl/local/runtime/train/training.hpp"
#include "sl/local/runtime/train/training_plan.hpp"

namespace sl::local {

class DataParallel {
 public:
  // Joins the process group of job.launch; nullptr when the job runs in one process.
  static std::unique_ptr<DataParallel> join(const TrainingJob& job);

  int rank() const { return group_.rank(); }
  int world_size() const { return group_.world_size(); }
  bool is_root() const { return group_.rank() == 0; }

  // Runs `check` on every rank; when it throws on any, every rank throws that error (naming the
  // rank), so that all stop with the same reason instead of waiting for the one that left.
  void agree(const std::string& what, const std::function<void()>& check);

  // The settings the plan is made with: the global batch (batch_size x world size).
  TrainingSettings global_settings(const TrainingSettings& settings) const;
  // This rank's share of a planned step: examples rank, rank + world, ... of each batch (a pass
  // may be empty when the epoch's last batch is short).
  PlannedStep share(const PlannedStep& step) const;

  // sl::UsageError on every rank when the ranks run different jobs or data.
  void check_same_job(const std::string& fingerprint);
  // Rank 0 resumes from the checkpoint (when there is one) and sends its state to the others.
  // Returns the steps already done.
  std::int64_t resume(TrainState& state, const CheckpointSettings& checkpoint, const TrainCheckpointInfo& expected);

  // Moves the gradients of `state` into the all-reduce buckets (once, before the first step).
  void attach(TrainState& state);
  // Sums the gradients and `loss_sum` over the ranks. Returns the seconds it took.
  double sum_gradients(double& loss_sum);
  // True on every rank when `stop` is true on any (a Ctrl-C reaches the ranks at different steps).
  bool any_stop(bool stop);

 private:
  explicit DataParallel(const LaunchEnv& env) : group_(env) {}

  C10dGroup group_;
  std::unique_ptr<GradientBuckets> buckets_;
};

}  // namespace sl::local
