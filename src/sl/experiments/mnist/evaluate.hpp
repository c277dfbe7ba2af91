// Running trained models on data shared by all of them: logits and test accuracy.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "batched_mlp.hpp"
#include "sl/experiments/mnist/dataset.hpp"

namespace sl::mnist {

// A data set on the device.
struct DeviceData {
  torch::Tensor x;  // [n, 784] float, pixels 0..255 mapped to [-1, 1]
  torch::Tensor y;  // [n] int64
};

DeviceData to_device(const LabelledImages& set, torch::Device device);

// Logits of every model on inputs shared by all: x [T, in] -> [N, T, K].
torch::Tensor logits_on(const MlpParams& params, const torch::Tensor& x);

// Test accuracy of every model on the class logits [0, classes) (argmax; the auxiliary logits
// take no part).
std::vector<double> accuracy(const MlpParams& params, const DeviceData& test, int64_t classes);

}  // namespace sl::mnist
