// Adam (Kingma & Ba; PyTorch's formulation, no weight decay) over stacked [N, ...] parameters.
// Adam is elementwise, so one optimizer over the stacked tensors is exactly N independent
// optimizers, one per model, each with its own moment estimates.
#pragma once

#include <torch/torch.h>

#include "batched_mlp.hpp"

namespace sl::mnist {

struct AdamSettings {
  double lr = 3e-4;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
};

class BatchedAdam {
 public:
  // `fused`: on the CPU, update parameters and moments in one pass per tensor (memory-bound
  // work: one pass instead of eight); otherwise, and on other devices, with tensor operations.
  BatchedAdam(const MlpParams& params, AdamSettings settings, bool fused = true);

  // params -= Adam step for `grads` (the tensors of `params` are updated in place).
  void step(MlpParams& params, const MlpParams& grads);

 private:
  AdamSettings s_;
  bool fused_;
  int64_t t_ = 0;
  MlpParams m_, v_;    // first and second moment estimates
  MlpParams scratch_;  // the denominator, for the unfused path
};

}  // namespace sl::mnist
