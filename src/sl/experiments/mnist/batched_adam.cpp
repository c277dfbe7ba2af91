#include "batched_adam.hpp"

#include <ATen/Parallel.h>

#include <cmath>

namespace sl::mnist {

BatchedAdam::BatchedAdam(const MlpParams& params, AdamSettings settings, bool fused)
    : s_(settings), fused_(fused && params.w1.device().is_cpu()), m_(params.zeros_like()), v_(params.zeros_like()) {
  if (!fused_) scratch_ = params.zeros_like();
}

void BatchedAdam::step(MlpParams& params, const MlpParams& grads) {
  ++t_;
  const double bias_correction1 = 1.0 - std::pow(s_.beta1, static_cast<double>(t_));
  const double bias_correction2 = 1.0 - std::pow(s_.beta2, static_cast<double>(t_));
  const double step_size = s_.lr / bias_correction1;
  const double bc2_sqrt = std::sqrt(bias_correction2);

  auto p = params.tensors();
  auto g = grads.tensors();
  auto m = m_.tensors();
  auto v = v_.tensors();
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (!fused_) {
      // PyTorch's Adam, operation for operation.
      torch::Tensor& denom = *scratch_.tensors()[i];
      m[i]->mul_(s_.beta1).add_(*g[i], 1 - s_.beta1);
      v[i]->mul_(s_.beta2).addcmul_(*g[i], *g[i], 1 - s_.beta2);
      at::sqrt_out(denom, *v[i]);
      denom.div_(bc2_sqrt).add_(s_.eps);
      p[i]->addcdiv_(*m[i], denom, -step_size);
      continue;
    }
    TORCH_CHECK(p[i]->is_contiguous() && g[i]->is_contiguous(), "fused Adam needs contiguous tensors");
    float* pp = p[i]->data_ptr<float>();
    const float* gp = g[i]->data_ptr<float>();
    float* mp = m[i]->data_ptr<float>();
    float* vp = v[i]->data_ptr<float>();
    const float b1 = static_cast<float>(s_.beta1), b2 = static_cast<float>(s_.beta2);
    const float c1 = static_cast<float>(1 - s_.beta1), c2 = static_cast<float>(1 - s_.beta2);
    const float inv_bc2_sqrt = static_cast<float>(1.0 / bc2_sqrt);
    const float eps = static_cast<float>(s_.eps), lr_t = static_cast<float>(step_size);
    // Fixed chunks, each element's arithmetic independent of the others: the same bits for any
    // thread count.
    at::parallel_for(0, p[i]->numel(), 1 << 15, [&](int64_t begin, int64_t end) {
      for (int64_t j = begin; j < end; ++j) {
        const float gj = gp[j];
        const float mj = b1 * mp[j] + c1 * gj;
        const float vj = b2 * vp[j] + c2 * gj * gj;
        mp[j] = mj;
        vp[j] = vj;
        pp[j] -= lr_t * mj / (std::sqrt(vj) * inv_bc2_sqrt + eps);
      }
    });
  }
}

}  // namespace sl::mnist
