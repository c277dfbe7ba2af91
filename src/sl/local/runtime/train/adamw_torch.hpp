// AdamW and the global gradient norm in device-generic torch ops: what TrainState runs on CUDA
// and on the CPU with SL_CPU_KERNELS=torch, with the fused kernels' definitions
// (kernels/training_kernels.hpp), which are torch.optim.AdamW's: parameters, gradients and
// moments in float32, the norm accumulated in float64.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "sl/local/runtime/train/trainable_weights.hpp"

namespace sl::local {

// sqrt of the sum of the squares of every gradient (float64), read back once.
double grad_norm_torch(const std::vector<TrainableTensor>& params);

// One AdamW step of p with gradient g * grad_scale: p *= 1 - lr * weight_decay;
// m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; p -= lr / bc1 * m / (sqrt(v) / sqrt(bc2) + eps),
// bc1 and bc2 the bias corrections 1 - b^step. All of p, its grad, m and v float32.
struct AdamWTorchStep {
  double lr, beta1, beta2, eps, weight_decay, grad_scale, bias_correction1, bias_correction2;
};
void adamw_update_torch(torch::Tensor& p, torch::Tensor& m, torch::Tensor& v, const AdamWTorchStep& s);

}  // namespace sl::local
