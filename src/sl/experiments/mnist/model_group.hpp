// The whole experiment for one group of models [first, first + count): their reference, teacher
// and four students. No other model is involved (cross-model students only read the shared
// reference initializations), so groups run concurrently without any synchronisation, and a
// model's result does not depend on how the N models are grouped.
#pragma once

#include <torch/torch.h>

#include <array>
#include <functional>
#include <vector>

#include "batched_mlp.hpp"
#include "evaluate.hpp"
#include "sl/experiments/mnist/data_models.hpp"

namespace sl::mnist {

// What every group reads and nobody writes.
struct GroupInputs {
  const MnistExperimentConfig& cfg;
  const DeviceData& train;
  const DeviceData& test;
  const torch::Tensor& noise;              // [n, in] uniform in [-1, 1]
  const MlpParams& reference;              // all N untrained models
  const std::vector<int64_t>& cross_init;  // cross-model student i starts from reference cross_init[i]
};

// The six measured groups of models, in the order of MnistExperimentResult::arms.
enum Arm { kReference, kTeacher, kStudentAux, kStudentAll, kCrossAux, kCrossAll, kArms };

struct GroupResult {
  std::array<std::vector<double>, kArms> accuracy;  // per arm, one per model of the group
  std::array<std::vector<double>, kArms> loss;      // per arm, final-epoch training loss (none: reference)
  double train_seconds = 0, eval_seconds = 0;
  double train_flop = 0, eval_flop = 0;  // matmul FLOPs, counted from the shapes
};

// Trains and evaluates models [first, first + count). `on_step(m)` is called after every training
// step of m models (for progress; it may throw to stop the group).
GroupResult run_model_group(const GroupInputs& in, int64_t first, int64_t count,
                            const std::function<void(int64_t)>& on_step);

}  // namespace sl::mnist
