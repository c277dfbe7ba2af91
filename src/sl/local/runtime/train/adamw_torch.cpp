#include "sl/local/runtime/train/adamw_torch.hpp"

#include <cmath>

namespace sl::local {

double grad_norm_torch(const std::vector<TrainableTensor>& params) {
  torch::NoGradGuard no_grad;
  if (params.empty()) return 0;
  auto sq = torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat64).device(params.front().tensor.device()));
  for (const auto& p : params) sq += p.tensor.grad().to(torch::kFloat64).square().sum();
  return std::sqrt(sq.item<double>());
}

void adamw_update_torch(torch::Tensor& p, torch::Tensor& m, torch::Tensor& v, const AdamWTorchStep& s) {
  torch::NoGradGuard no_grad;
  // The fused kernel's float32 arithmetic: its scalars are rounded to float32 first.
  const float decay = 1.0f - static_cast<float>(s.lr) * static_cast<float>(s.weight_decay);
  const float step_size = static_cast<float>(s.lr) / static_cast<float>(s.bias_correction1);
  const float inv_sqrt_bc2 = 1.0f / std::sqrt(static_cast<float>(s.bias_correction2));
  const float b1 = static_cast<float>(s.beta1), b2 = static_cast<float>(s.beta2);
  auto g = p.grad();
  if (s.grad_scale != 1.0) g = g * static_cast<float>(s.grad_scale);
  m.mul_(b1).add_(g, 1 - b1);
  v.mul_(b2).addcmul_(g, g, 1 - b2);
  auto denom = v.sqrt().mul_(inv_sqrt_bc2).add_(static_cast<float>(s.eps));
  p.mul_(decay).sub_(m.mul(step_size).div_(denom));
}

}  // namespace sl::local
