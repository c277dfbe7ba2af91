// The paper's MLP demonstration of subliminal learning (Cloud, Le et al. 2025, Section 6):
//
//   reference  N untrained MLPs 784 -> H -> H -> (10 + M), weights ~ N(0, 1/fan_in), biases 0
//   teacher    each reference trained on the labelled images (cross-entropy on the 10 class logits)
//   student    a copy of the SAME reference, distilled on uniform noise images in [-1, 1] to match
//              the teacher's softmax over the M auxiliary logits only (never a class logit, never
//              a real image), or over all 10 + M logits
//   cross-model the same, but starting from ANOTHER model's reference initialization
//
// and the test accuracy of each group on the 10 classes. Same-init aux-only students learn to
// classify far above chance; cross-model ones stay at chance.
//
// Torch-free interface; the work is done with libtorch in src/sl/experiments/mnist/.
#pragma once

#include "sl/experiments/mnist/data_models.hpp"
#include "sl/experiments/mnist/dataset.hpp"

namespace sl::mnist {

// Runs every step on `data` (already loaded; cfg.train_subset / test_subset applied here) and
// returns the accuracies with their summaries, the settings and the performance figures.
// Shows progress; throws sl::UsageError for bad settings and sl::Error when interrupted.
MnistExperimentResult run_experiment(const MnistExperimentConfig& cfg, const MnistData& data);

// The same, reading the data from cfg.data_dir first (load_mnist; its time is in the result).
MnistExperimentResult run_experiment(const MnistExperimentConfig& cfg);

}  // namespace sl::mnist
